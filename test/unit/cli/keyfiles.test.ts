import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { privateKeyFromPem, pemBlocks } from "../../../src/cli/keyfiles/pem.js";
import { privateKeyFromJwk, publicKeyFromJson } from "../../../src/cli/keyfiles/jwk.js";
import { kekFromFile, makeByokBlob, targetKeyFromFile, type ByokEnc } from "../../../src/cli/keyfiles/byok-blob.js";
import { byokPlaintext, KeyFileError, type LocalKey } from "../../../src/cli/keyfiles/key.js";
import { openssl, OAEP_HASH, opensslPublicPem, scratchDir } from "../../helpers/byok.js";
import { EC_VARIANTS, ENCRYPTED, makeKeyFixtures, PASSWORD, RSA_VARIANTS, type KeyFixtures } from "../../helpers/keyfiles.js";

// The local key readers behind `kvkey import` and `kvkey byok-blob`, against files openssl made.

let fx: KeyFixtures;
beforeAll(() => {
  fx = makeKeyFixtures();
});
afterAll(() => fx?.cleanup());

const read = (name: string) => readFileSync(fx.path(name));
const opensslJwk = (name: string) => createPublicKey(fx.publicPem[name]!).export({ format: "jwk" });
const b64u = (b: Buffer) => b.toString("base64url");

async function parse(name: string, password?: string): Promise<LocalKey> {
  return privateKeyFromPem(read(name), { ...(password !== undefined ? { password } : {}), passwordFlag: "--pem-password" });
}

async function failure(promise: Promise<unknown> | (() => unknown)): Promise<string> {
  const err = await (typeof promise === "function" ? Promise.resolve().then(promise) : promise).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "expected a KeyFileError").toBeInstanceOf(KeyFileError);
  return (err as Error).message;
}

describe("PEM private keys that import", () => {
  test.each(RSA_VARIANTS.map((n) => [n]))("%s gives openssl's RSA public key and a consistent private key", async (name) => {
    const key = await parse(name, ENCRYPTED.has(name) ? PASSWORD : undefined);
    expect(key.kty).toBe("RSA");
    if (key.kty !== "RSA") return;
    const expected = opensslJwk(name);
    expect(b64u(key.n)).toBe(expected.n);
    expect(b64u(key.e)).toBe(expected.e);
    // The private members are right: node rebuilds a key from them that openssl agrees with.
    const pkcs8 = byokPlaintext(key);
    expect(openssl(["pkey", "-inform", "DER", "-pubout"], pkcs8).toString()).toBe(fx.publicPem[name]);
  });

  test.each(EC_VARIANTS.map(([n, c]) => [n, c]))("%s gives an EC key on %s with openssl's public point", async (name, crv) => {
    const key = await parse(name, ENCRYPTED.has(name) ? PASSWORD : undefined);
    expect(key).toMatchObject({ kty: "EC", crv });
    if (key.kty !== "EC") return;
    const expected = opensslJwk(name);
    expect(b64u(key.x)).toBe(expected.x);
    expect(b64u(key.y)).toBe(expected.y);
    expect(openssl(["pkey", "-inform", "DER", "-pubout"], byokPlaintext(key)).toString()).toBe(fx.publicPem[name]);
  });

  test("a scheme forge does not implement (scrypt) is decrypted by OpenSSL instead", async () => {
    const key = await parse("rsa-pkcs8-scrypt.pem", PASSWORD);
    expect(key.kty === "RSA" && b64u(key.n)).toBe(opensslJwk("rsa-pkcs8-scrypt.pem").n);
  });

  test("a bundle with a certificate before the key: the key is used", async () => {
    const key = await parse("bundle.pem");
    expect(key.kty === "RSA" && b64u(key.n)).toBe(opensslJwk("bundle-key.pem").n);
  });

  test("CRLF line ends, text around the blocks, and a PEM pasted with literal \\n sequences", async () => {
    const pem = read("rsa-pkcs1.pem").toString();
    const expected = opensslJwk("rsa-pkcs1.pem").n;
    for (const variant of [pem.replace(/\n/g, "\r\n"), `Bag Attributes\n    friendlyName: k\n${pem}trailing words\n`, pem.trim().replace(/\n/g, "\\n")]) {
      const key = await privateKeyFromPem(variant);
      expect(key.kty === "RSA" && b64u(key.n)).toBe(expected);
    }
  });
});

describe("PEM files that do not import: one message each", () => {
  test.each([
    ["missing password (PKCS#8)", "rsa-pkcs8-aes256.pem", undefined, "Password was not given but private key is encrypted. Supply it with --pem-password."],
    ["missing password (legacy)", "rsa-legacy-aes256.pem", undefined, "Password was not given but private key is encrypted. Supply it with --pem-password."],
    ["missing password (EC)", "ec-p256-legacy-aes256.pem", undefined, "Password was not given but private key is encrypted. Supply it with --pem-password."],
    ["wrong password (PBES2 AES)", "rsa-pkcs8-aes256.pem", "wrong", "Bad decrypt. Incorrect password?"],
    ["wrong password (PBES2 3DES)", "rsa-pkcs8-des3.pem", "wrong", "Bad decrypt. Incorrect password?"],
    ["wrong password (legacy AES)", "rsa-legacy-aes256.pem", "wrong", "Bad decrypt. Incorrect password?"],
    ["wrong password (legacy 3DES)", "rsa-legacy-des3.pem", "wrong", "Bad decrypt. Incorrect password?"],
    ["wrong password (EC PKCS#8)", "ec-p256-pkcs8-aes256.pem", "wrong", "Bad decrypt. Incorrect password?"],
    ["wrong password (EC legacy)", "ec-p256-legacy-aes256.pem", "wrong", "Bad decrypt. Incorrect password?"],
    ["wrong password (scrypt)", "rsa-pkcs8-scrypt.pem", "wrong", "Bad decrypt. Incorrect password?"],
    ["password for a plain key", "rsa-pkcs8.pem", "secret", "Password was given but private key is not encrypted."],
    ["public key", "rsa-public.pem", undefined, "the PEM holds a public key (BEGIN PUBLIC KEY), not a private key; importing a key needs its private key."],
    ["certificate only", "bundle-cert.pem", undefined, "the PEM holds a certificate but no private key; importing a key needs its private key (a PEM bundle with the certificate and its key works too)."],
    ["secp224r1", "ec-secp224r1.pem", undefined, "Unsupported curve, secp224r1."],
    ["brainpool", "ec-brainpool.pem", undefined, "Unsupported curve, brainpoolP256r1."],
    ["Ed25519", "ed25519.pem", undefined, "Unsupported key type, Ed25519."],
    ["DSA (PKCS#8)", "dsa.pem", undefined, "Unsupported key type, DSA."],
    ["DSA (traditional)", "dsa-traditional.pem", undefined, "Unsupported key type, DSA."],
    ["EC parameters only", "dsa-params.pem", undefined, "the PEM holds no private key (it holds: DSA PARAMETERS)."],
    ["binary DER", "rsa.der", undefined, "the file is binary, not PEM text (a DER or PKCS#12 file?). Convert a DER key with: openssl pkey -inform DER -in key.der -out key.pem"],
  ])("%s", async (_case, name, password, message) => {
    expect(await failure(parse(name, password))).toBe(message);
  });

  test("corrupted files say what is corrupted", async () => {
    const pem = read("rsa-pkcs1.pem").toString();
    const lines = pem.split("\n");
    const cases: Array<[string, string]> = [
      ["", "no PEM block found: a PEM private key starts with a line such as -----BEGIN PRIVATE KEY----- (or RSA PRIVATE KEY, EC PRIVATE KEY, ENCRYPTED PRIVATE KEY)."],
      ["just some text\n", "no PEM block found: a PEM private key starts with a line such as -----BEGIN PRIVATE KEY----- (or RSA PRIVATE KEY, EC PRIVATE KEY, ENCRYPTED PRIVATE KEY)."],
      [lines.slice(0, 10).join("\n"), "the PEM is corrupted: the 'RSA PRIVATE KEY' block (line 1) has no END line (is the file truncated?)."],
      [pem.replace("-----END RSA PRIVATE KEY-----", "-----END PRIVATE KEY-----"), "the PEM is corrupted: the 'RSA PRIVATE KEY' block (line 1) ends with 'END PRIVATE KEY'."],
      [[...lines.slice(0, 3), `${lines[3]!.slice(0, 20)}!${lines[3]!.slice(21)}`, ...lines.slice(4)].join("\n"), "the PEM is corrupted: line 4 of the 'RSA PRIVATE KEY' block is not base64 (a character outside base64 at column 21)."],
      [[lines[0], ...lines.slice(1, 6), lines.at(-2)].join("\n"), "the PEM is corrupted: the 'RSA PRIVATE KEY' block is not a valid DER-encoded key (truncated or edited?)."],
      [[lines[0], lines[1]!.slice(0, 62), ...lines.slice(2)].join("\n"), "the PEM is corrupted: the base64 content of the 'RSA PRIVATE KEY' block is truncated"],
      ["-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n", "the PEM is corrupted: the 'PRIVATE KEY' block is empty."],
    ];
    for (const [text, message] of cases) expect(await failure(privateKeyFromPem(text))).toContain(message);
  });

  test("a corrupted EC key and a corrupted encrypted container are corruption, not a password problem", async () => {
    const ec = read("ec-p256-pkcs8.pem").toString().split("\n");
    const brokenEc = [ec[0], ...ec.slice(1, 3), ec.at(-2)].join("\n");
    expect(await failure(privateKeyFromPem(brokenEc))).toBe("the PEM is corrupted: the 'PRIVATE KEY' block is not a valid DER-encoded key (truncated or edited?).");
    const enc = read("rsa-pkcs8-aes256.pem").toString().split("\n");
    const brokenEnc = [enc[0], ...enc.slice(1, 4), enc.at(-2)].join("\n");
    expect(await failure(privateKeyFromPem(brokenEnc, { password: PASSWORD }))).toBe(
      "the PEM is corrupted: the 'ENCRYPTED PRIVATE KEY' block is not a valid DER-encoded key (truncated or edited?).",
    );
  });

  test("two private keys in one file", async () => {
    const two = read("rsa-pkcs8.pem").toString() + read("ec-p256-pkcs8.pem").toString();
    expect(await failure(privateKeyFromPem(two))).toBe("the PEM holds 2 private keys; import one key at a time.");
  });

  test("pemBlocks reads headers and skips text between blocks", () => {
    const blocks = pemBlocks(read("rsa-legacy-aes256.pem").toString());
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.headers["Proc-Type"]).toBe("4,ENCRYPTED");
    expect(blocks[0]!.headers["DEK-Info"]).toMatch(/^AES-256-CBC,[0-9A-F]{32}$/);
  });
});

describe("JSON Web Key files", () => {
  test("RSA, EC (secp256k1 spelled either way) and oct private JWKs; key_ops and -HSM are kept", () => {
    const rsa = createPublicKey(fx.publicPem["rsa-pkcs8.pem"]!);
    const rsaPrivate = JSON.stringify({ ...(readJwk("rsa-pkcs8.pem") as object), key_ops: ["sign"], kty: "RSA-HSM" });
    const parsed = privateKeyFromJwk(rsaPrivate);
    expect(parsed).toMatchObject({ hsm: true, keyOps: ["sign"] });
    expect(parsed.key.kty === "RSA" && b64u(parsed.key.n)).toBe(rsa.export({ format: "jwk" }).n);
    const k1 = readJwk("ec-p256k-pkcs8.pem") as Record<string, string>;
    expect(privateKeyFromJwk(JSON.stringify(k1)).key).toMatchObject({ kty: "EC", crv: "P-256K" });
    expect(privateKeyFromJwk(JSON.stringify({ ...k1, crv: "P-256K" })).key).toMatchObject({ kty: "EC", crv: "P-256K" });
    const oct = privateKeyFromJwk(JSON.stringify({ kty: "oct", k: Buffer.alloc(32, 7).toString("base64url") }));
    expect(oct.key.kty === "oct" && oct.key.k).toEqual(Buffer.alloc(32, 7));
  });

  test.each([
    ["not JSON", "{kty:", "the JWK file is not valid JSON: "],
    ["an array", "[]", "the JWK file must hold a JSON object."],
    ["no kty", "{}", "the JWK has no 'kty' member (RSA, EC or oct)."],
    ["public RSA", JSON.stringify({ kty: "RSA", n: "AQAB", e: "AQAB" }), "the JWK holds a public key only (no 'd'); importing a key needs its private key."],
    ["public EC", JSON.stringify({ kty: "EC", crv: "P-256", x: "AA", y: "AA" }), "the JWK holds a public key only (no 'd'); importing a key needs its private key."],
    ["oct without k", JSON.stringify({ kty: "oct" }), "the JWK holds a public key only (no 'k'); importing a key needs its private key."],
    ["RSA without CRT members", JSON.stringify({ kty: "RSA", n: "AQAB", e: "AQAB", d: "AQAB" }), "the RSA JWK is missing 'p', 'q', 'dp', 'dq', 'qi'."],
    ["bad base64", JSON.stringify({ kty: "oct", k: "a*b" }), "the JWK member 'k' must be a base64url string."],
    ["other curve", JSON.stringify({ kty: "EC", crv: "P-224", x: "AA", y: "AA", d: "AA" }), "Unsupported curve, P-224."],
    ["OKP", JSON.stringify({ kty: "OKP", crv: "Ed25519", x: "AA", d: "AA" }), "Unsupported key type, OKP."],
  ])("%s is refused", async (_case, text, message) => {
    expect(await failure(() => privateKeyFromJwk(text))).toContain(message);
  });

  test("a KEK from JSON: a JWK or `show` output, with its kid", () => {
    const jwk = createPublicKey(fx.publicPem["rsa-pkcs8.pem"]!).export({ format: "jwk" });
    const shown = { key: { kid: "https://v.vault.localhost/keys/kek/abc", kty: "RSA-HSM", n: Buffer.from(jwk.n!, "base64url").toString("base64"), e: "AQAB" } };
    const fromShow = publicKeyFromJson(JSON.stringify(shown));
    expect(fromShow.kid).toBe("https://v.vault.localhost/keys/kek/abc");
    expect(fromShow.key.export({ format: "jwk" }).n).toBe(jwk.n);
    expect(publicKeyFromJson(JSON.stringify(jwk)).kid).toBeUndefined();
  });
});

/** The private JWK of a fixture, via node (only to build JWK test input). */
function readJwk(name: string): unknown {
  return createPrivateKey(read(name)).export({ format: "jwk" });
}

describe("BYOK blobs that openssl can open", () => {
  test.each<ByokEnc>(["CKM_RSA_AES_KEY_WRAP", "RSA_AES_KEY_WRAP_256", "RSA_AES_KEY_WRAP_384"])(
    "%s: openssl unwraps the transient key with its OAEP hash and the target key with id-aes256-wrap-pad",
    async (enc) => {
      const s = scratchDir("kvkey-blob-");
      try {
        const kekPem = s.file("kek.pem");
        openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", kekPem]);
        const kek = kekFromFile(Buffer.from(opensslPublicPem(kekPem))).key;
        const target = await targetKeyFromFile(read("ec-p384-pkcs8.pem"), undefined, "--key-password");
        const blob = makeByokBlob({ kek, kekId: "https://v.vault.localhost/keys/kek/0123", target, enc });
        expect(blob).toMatchObject({ schema_version: "1.0.0", header: { kid: "https://v.vault.localhost/keys/kek/0123", alg: "dir", enc } });
        const ciphertext = Buffer.from(blob.ciphertext, "base64url");
        const hash = OAEP_HASH[enc];
        const transient = openssl(
          ["pkeyutl", "-decrypt", "-inkey", kekPem, "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", `rsa_oaep_md:${hash}`, "-pkeyopt", `rsa_mgf1_md:${hash}`],
          ciphertext.subarray(0, 256),
        );
        expect(transient).toHaveLength(32);
        const pkcs8 = openssl(["enc", "-d", "-id-aes256-wrap-pad", "-iv", "A65959A6", "-K", transient.toString("hex")], ciphertext.subarray(256));
        // The PKCS#8 plaintext is the fixture's key: openssl derives the same public key from it.
        expect(openssl(["pkey", "-inform", "DER", "-pubout"], pkcs8).toString()).toBe(fx.publicPem["ec-p384-pkcs8.pem"]);
      } finally {
        s.cleanup();
      }
    },
  );

  test("target keys: PEM (encrypted too), JWK, raw AES bytes; anything else is refused", async () => {
    expect((await targetKeyFromFile(read("rsa-legacy-des3.pem"), PASSWORD, "--key-password")).kty).toBe("RSA");
    expect(await failure(targetKeyFromFile(read("rsa-legacy-des3.pem"), undefined, "--key-password"))).toBe(
      "Password was not given but private key is encrypted. Supply it with --key-password.",
    );
    const raw = Buffer.alloc(24, 1);
    expect(await targetKeyFromFile(raw, undefined, "--key-password")).toEqual({ kty: "oct", k: raw });
    expect(byokPlaintext({ kty: "oct", k: raw })).toEqual(raw);
    expect(await failure(targetKeyFromFile(Buffer.alloc(20, 1), undefined, "--key-password"))).toBe(
      "the key file is neither a PEM private key, a JSON Web Key, nor a raw AES key of 16, 24 or 32 bytes.",
    );
  });

  test("the KEK must be RSA 2048-4096, from PEM, DER or JSON", async () => {
    const target = await targetKeyFromFile(read("rsa-pkcs8.pem"), undefined, "--key-password");
    const ecKek = kekFromFile(Buffer.from(fx.publicPem["ec-p256-pkcs8.pem"]!)).key;
    expect(await failure(() => makeByokBlob({ kek: ecKek, kekId: "k", target }))).toBe("the key exchange key must be an RSA key; this one is ec.");
    const der = createPublicKey(fx.publicPem["rsa-3072.pem"]!).export({ type: "spki", format: "der" });
    expect(kekFromFile(der).key.asymmetricKeyDetails?.modulusLength).toBe(3072);
    const s = scratchDir();
    try {
      const small = s.file("small.pem");
      openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", small]);
      const smallKek = kekFromFile(Buffer.from(opensslPublicPem(small))).key;
      expect(await failure(() => makeByokBlob({ kek: smallKek, kekId: "k", target }))).toBe(
        "the key exchange key is 1024-bit; Key Vault key exchange keys are RSA 2048, 3072 or 4096.",
      );
      writeFileSync(s.file("junk.pem"), "junk");
      expect(await failure(() => kekFromFile(readFileSync(s.file("junk.pem"))))).toContain("the key exchange key file is neither a public key");
    } finally {
      s.cleanup();
    }
  });
});

/** Runs of 8+ base64 characters of the message that occur in the secret text: key material it quotes. */
function quoted(message: string, secret: string): string[] {
  return (message.match(/[A-Za-z0-9+/_-]{8,}/g) ?? []).filter((run) => secret.includes(run));
}

describe("no key material in errors (issue 18)", () => {
  // A corrupted line of a PEM private key is key material (48 bytes of the private exponent, say);
  // JSON.parse quotes ten characters either side of a syntax error. A message names where and what.
  const pemBody = (pem: string) => pem.split("\n").filter((l) => l !== "" && !l.startsWith("-----")).join("\n");

  test("a corrupted base64 line of a PEM: the line number and the problem, never its text", async () => {
    for (const name of ["rsa-pkcs1.pem", "rsa-pkcs8.pem", "ec-p256-pkcs8.pem"]) {
      const pem = read(name).toString();
      const lines = pem.split("\n");
      const body = pemBody(pem);
      const variants: Array<[string, RegExp]> = [
        ["!", /line 3 of the '[A-Z ]+' block is not base64 \(a character outside base64 at column 11\)\.$/],
        [" ", /line 3 of the '[A-Z ]+' block is not base64 \(a space at column 11\)\.$/],
        ["\u0007", /line 3 of the '[A-Z ]+' block is not base64 \(a control character at column 11\)\.$/],
        ["é", /line 3 of the '[A-Z ]+' block is not base64 \(a non-ASCII character at column 11\)\.$/],
        ["=", /line 3 of the '[A-Z ]+' block is not base64 \(padding '=' in the middle of the line, at column 11\)\.$/],
      ];
      for (const [bad, expected] of variants) {
        const broken = [...lines.slice(0, 2), `${lines[2]!.slice(0, 10)}${bad}${lines[2]!.slice(10)}`, ...lines.slice(3)].join("\n");
        const message = await failure(privateKeyFromPem(broken));
        expect(message).toMatch(expected);
        expect(quoted(message, body), message).toEqual([]);
      }
    }
  });

  test("a PEM whose line breaks became spaces, or whose END line ran into the base64: no text quoted", async () => {
    const pem = read("rsa-pkcs8.pem").toString();
    const body = pemBody(pem);
    const oneLine = pem.trim().split("\n").join(" ");
    const m1 = await failure(privateKeyFromPem(oneLine));
    expect(m1).toBe(
      "the PEM is corrupted: line 1 has more text after its BEGIN/END marker (were the line breaks replaced by spaces? each BEGIN, base64 and END line must be a line of its own).",
    );
    const lines = pem.trim().split("\n");
    const glued = [`${lines[0]}${lines[1]}`, ...lines.slice(2)].join("\n");
    const m2 = await failure(privateKeyFromPem(glued));
    expect(quoted(m1 + m2, body)).toEqual([]);
  });

  test("a JWK that is not valid JSON: the line and column, never the characters around them", async () => {
    const jwk = readJwk("rsa-pkcs8.pem") as Record<string, string>;
    const secret = [jwk.d, jwk.p, jwk.q, jwk.dp, jwk.dq, jwk.qi].join("\n");
    const text = JSON.stringify(jwk, null, 2);
    const cases: Array<[string, string, RegExp]> = [
      ["the quotes around d lost", text.replace(`"d": "${jwk.d}"`, `"d": ${jwk.d}`), /an unexpected character at line \d+, column \d+\.$/],
      ["a control character inside d", text.replace(jwk.d!, `${jwk.d!.slice(0, 30)}\u0001${jwk.d!.slice(30)}`), /a control character inside a string at line \d+, column \d+\.$/],
      ["a missing comma after p", text.replace(`"p": "${jwk.p}",`, `"p": "${jwk.p}"`), /expected ',' or '}' after property value at line \d+, column \d+\.$/],
      ["a stray quote inside qi", text.replace(jwk.qi!, `${jwk.qi!.slice(0, 20)}"${jwk.qi!.slice(20)}`), /at line \d+, column \d+\.$/],
      ["cut off in the middle of dq", text.slice(0, text.indexOf(jwk.dq!) + 20), /a string is not closed at line \d+, column \d+\.$|it ends early/],
    ];
    for (const [what, broken, expected] of cases) {
      const message = await failure(() => privateKeyFromJwk(broken));
      expect(message, what).toMatch(/^the JWK file is not valid JSON: /);
      expect(message, what).toMatch(expected);
      expect(quoted(message, secret), `${what}: ${message}`).toEqual([]);
    }
    // The line and column point at the error: the unquoted d.
    const unquoted = text.replace(`"d": "${jwk.d}"`, `"d": ${jwk.d}`);
    const line = unquoted.split("\n").findIndex((l) => l.includes(`"d": ${jwk.d}`)) + 1;
    expect(await failure(() => privateKeyFromJwk(unquoted))).toBe(`the JWK file is not valid JSON: an unexpected character at line ${line}, column 8.`);
  });

  test("the key file of a BYOK blob (PEM or JWK) is held to the same rule", async () => {
    const pem = read("rsa-pkcs1.pem").toString();
    const lines = pem.split("\n");
    const broken = [...lines.slice(0, 4), `${lines[4]!.slice(0, 5)}*${lines[4]!.slice(5)}`, ...lines.slice(5)].join("\n");
    const m1 = await failure(targetKeyFromFile(Buffer.from(broken), undefined, "--key-password"));
    expect(m1).toBe("the PEM is corrupted: line 5 of the 'RSA PRIVATE KEY' block is not base64 (a character outside base64 at column 6).");
    const jwk = readJwk("rsa-pkcs8.pem") as Record<string, string>;
    const m2 = await failure(targetKeyFromFile(Buffer.from(JSON.stringify(jwk).replace(`"d":"${jwk.d}"`, `"d":${jwk.d}`)), undefined, "--key-password"));
    expect(quoted(m1, pemBody(pem))).toEqual([]);
    expect(quoted(m2, jwk.d!)).toEqual([]);
  });
});
