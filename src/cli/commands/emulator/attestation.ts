import type * as NodeCrypto from "node:crypto";
import type { KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { defineCommand } from "../../spec.js";
import { CliError, UsageError } from "../../errors.js";
import { durationSeconds, parseDuration } from "../../../shared/duration.js";
import { rawList, rawString } from "../../args/raw.js";
import { withDataDirEmulator } from "../../local-emulator.js";

// `kvkey emulator attestation-token`: the emulator plays the attestation authority (as Microsoft Azure
// Attestation does for Azure). The token is an RS256 JWT signed by the data directory's attestation key,
// issuer https://attestation.localhost, with the given claims and the runtime key as MAA carries it
// (x-ms-runtime.keys): the `--target` of `kvkey release` against the emulator.

export const emulatorAttestationTokenCommand = defineCommand({
  path: ["emulator", "attestation-token"],
  summary: "Issue an attestation token from the emulator's attestation authority, for secure key release.",
  description:
    "The issuer is https://attestation.localhost: name it as the authority of a key's release policy. The token carries the claims " +
    "(a dotted name becomes nested claims: x-ms-isolation-tee.x-ms-compliance-status=azure-compliant-cvm) and the runtime key, the public " +
    "key a released key is wrapped for. Validity is judged on the emulator clock.",
  options: [
    { flags: "--claim <claims...>", help: "Claims as name=value (space-separated, or repeat the flag). Values are text." },
    { flags: "--runtime-key <file>", help: "The runtime (TEE) RSA key: a PEM public or private key, or a JWK (JSON). Only its public part goes into the token.", required: true },
    { flags: "--runtime-key-id <kid>", help: "The runtime key's kid in the token.", defaultText: "kvkey-runtime-key" },
    { flags: "--lifetime <duration>", help: "How long the token is valid (ISO 8601 or 30m, 1h, 7d).", defaultText: "PT1H" },
    { flags: "--data-dir <dir>", help: "Data directory of the emulator.", defaultText: "$KVKEY_HOME (~/.kvkey)" },
  ],
  examples: [
    {
      title: "A token for a confidential VM whose key is tee.pem, then a release.",
      command:
        "TOKEN=$(kvkey emulator attestation-token --claim x-ms-compliance-status=azure-compliant-cvm --runtime-key tee.pem) && kvkey release --hsm-name myhsm -n mykey --target \"$TOKEN\"",
    },
  ],
  parse(raw, { cwd }) {
    const keyFile = rawString(raw, "runtimeKey");
    if (keyFile === undefined) throw new UsageError("the following arguments are required: --runtime-key");
    const claims: Record<string, string> = {};
    for (const item of rawList(raw, "claim") ?? []) {
      const at = item.indexOf("=");
      if (at <= 0) throw new UsageError(`argument --claim: invalid claim '${item}': use name=value`);
      claims[item.slice(0, at)] = item.slice(at + 1);
    }
    const lifetimeText = rawString(raw, "lifetime");
    const lifetime = lifetimeText === undefined ? undefined : parseDuration(lifetimeText);
    if (lifetimeText !== undefined && !lifetime) throw new UsageError(`argument --lifetime: invalid duration value: '${lifetimeText}'`);
    const dataDir = rawString(raw, "dataDir");
    return {
      keyFile: resolve(cwd, keyFile),
      keyId: rawString(raw, "runtimeKeyId"),
      claims,
      lifetimeSeconds: lifetime ? durationSeconds(lifetime) : 3600,
      dataDir: dataDir === undefined ? undefined : resolve(cwd, dataDir),
    };
  },
  async run(o, ctx) {
    const runtimeKey = readRuntimeKey(o.keyFile);
    const token = await withDataDirEmulator(ctx, o.dataDir, (emulator) =>
      emulator.issueAttestationToken({
        claims: o.claims,
        runtimeKey,
        ...(o.keyId !== undefined ? { runtimeKeyId: o.keyId } : {}),
        lifetimeSeconds: o.lifetimeSeconds,
      }),
    );
    return `${token}\n`;
  },
  textOutput: true,
});

function readRuntimeKey(path: string): KeyObject {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new CliError(`Cannot read --runtime-key ${path}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}.`);
  }
  // node:crypto on demand: every kvkey start reads this module's declarations.
  const { createPublicKey } = process.getBuiltinModule("node:crypto") as typeof NodeCrypto;
  let key: KeyObject;
  try {
    const text = bytes.toString("utf8").trim();
    key = text.startsWith("{") ? createPublicKey({ key: JSON.parse(text), format: "jwk" }) : createPublicKey(text.includes("-----BEGIN") ? text : { key: bytes, format: "der", type: "spki" });
  } catch {
    throw new CliError(`--runtime-key ${path} is not an RSA key (PEM public or private key, DER SubjectPublicKeyInfo, or JWK).`);
  }
  if (key.asymmetricKeyType !== "rsa") throw new CliError(`--runtime-key ${path} is a ${key.asymmetricKeyType} key; a runtime key is RSA.`);
  return key;
}
