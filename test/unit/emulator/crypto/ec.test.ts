import { describe, expect, test } from "vitest";
import { createHash, generateKeyPairSync, verify as nodeVerify } from "node:crypto";
import { materialFromNodeJwk } from "../../../../src/emulator/crypto/material.js";
import { ecSign, ecVerify, type EcMaterial } from "../../../../src/emulator/crypto/operations/ec.js";

// ECDSA over a digest. RFC 6979 §A.2.5 publishes a P-256 key and a signature of "sample" with SHA-256:
// a vector from outside any library, which the verifier must accept.

const hex = (s: string) => Buffer.from(s, "hex");
const b64u = (s: string) => hex(s).toString("base64url");

describe("ecVerify", () => {
  const rfc6979: EcMaterial = {
    family: "EC",
    crv: "P-256",
    d: b64u("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721"),
    x: b64u("60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"),
    y: b64u("7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299"),
  };
  const signature = hex(
    "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716" + "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8",
  );
  const digest = createHash("sha256").update("sample").digest();

  test("accepts RFC 6979's P-256/SHA-256 signature of 'sample' (whose s is in the high half)", async () => {
    expect(await ecVerify(rfc6979, digest, signature)).toBe(true);
  });

  test("rejects it for another digest, with r and s swapped, or at the wrong length", async () => {
    expect(await ecVerify(rfc6979, createHash("sha256").update("test").digest(), signature)).toBe(false);
    expect(await ecVerify(rfc6979, digest, Buffer.concat([signature.subarray(32), signature.subarray(0, 32)]))).toBe(false);
    expect(await ecVerify(rfc6979, digest, signature.subarray(1))).toBe(false);
  });
});

describe("ecSign", () => {
  test("signs the digest itself, not a hash of it: node verifies over the data for P-521/SHA-512", async () => {
    // P-521 with a 64-byte digest is the case where the digest is shorter than the order, so no truncation.
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-521" });
    const material = materialFromNodeJwk(privateKey.export({ format: "jwk" })) as EcMaterial;
    const data = Buffer.from("payload");
    const signature = await ecSign(material, createHash("sha512").update(data).digest());
    expect(signature.length).toBe(132);
    expect(nodeVerify("sha512", data, { key: publicKey, dsaEncoding: "ieee-p1363" }, signature)).toBe(true);
  });
});
