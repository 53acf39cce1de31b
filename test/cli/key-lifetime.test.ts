import { createHash, generateKeyPairSync } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { cliIn } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";
import { openRelease, publicJwkOfReleased } from "../helpers/release.js";

// Issue 6 through the CLI: the emulator clock (time-shift), rotation and rotation policies, release
// policies, secure key release with the emulator's attestation authority, and get-attestation.

let home: { dir: string; cleanup: () => void };
let cli: ReturnType<typeof cliIn>;
beforeEach(() => {
  home = tempDataDir();
  cli = cliIn(home.dir);
});
afterEach(() => home.cleanup());

const V = ["--vault-name", "life"];
const H = ["--hsm-name", "lifehsm"];
const DIGEST = createHash("sha256").update("x").digest("base64");

async function ok(args: string[]) {
  const run = await cli(args);
  expect(run.code, `${args.join(" ")}\n${run.stderr}`).toBe(0);
  return run;
}

async function versions(args: string[]) {
  return (await ok(["list-versions", ...args])).json().length;
}

describe("kvkey emulator time-shift", () => {
  test("shows, moves forward (ISO 8601 or 30d/12h, cumulative), and resets; the shift is kept in the data directory", async () => {
    const shown = (await ok(["emulator", "time-shift"])).json();
    expect(shown).toMatchObject({ dataDir: home.dir, shift: "PT0S", shiftSeconds: 0 });
    expect(shown.now).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    expect((await ok(["emulator", "time-shift", "P30D"])).json()).toMatchObject({ shift: "P30D", shiftSeconds: 2_592_000 });
    const later = (await ok(["emulator", "time-shift", "12h"])).json();
    expect(later).toMatchObject({ shift: "P30DT12H", shiftSeconds: 2_635_200 });
    expect(Date.parse(later.now) - Date.parse(later.realNow)).toBeGreaterThanOrEqual(2_635_199_000);
    expect((await ok(["emulator", "time-shift", "--query", "shift", "-o", "tsv"])).stdout).toBe("P30DT12H\n");
    expect((await ok(["emulator", "time-shift", "--reset"])).json()).toMatchObject({ shift: "PT0S", shiftSeconds: 0 });

    const other = tempDataDir();
    try {
      expect((await ok(["emulator", "time-shift", "1d12h", "--data-dir", other.dir])).json()).toMatchObject({ dataDir: other.dir, shift: "P1DT12H" });
      expect((await ok(["emulator", "time-shift"])).json().shift).toBe("PT0S");
    } finally {
      other.cleanup();
    }
  });

  test("refuses a duration it cannot read (exit 2) and a duration together with --reset (exit 1)", async () => {
    const bad = await cli(["emulator", "time-shift", "soon"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^ERROR: argument duration: invalid duration value: 'soon'/);
    const both = await cli(["emulator", "time-shift", "P1D", "--reset"]);
    expect(both.code).toBe(1);
    expect(both.stderr).toBe("ERROR: Give a duration or --reset, not both.\n");
  });

  test("an expired key (per the shifted emulator clock) refuses encrypt, wrap-key and sign but still decrypts, unwraps and verifies", async () => {
    const expires = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 19) + "Z";
    await ok(["create", ...V, "-n", "exp", "--expires", expires]);
    const enc = (await ok(["encrypt", ...V, "-n", "exp", "-a", "RSA-OAEP", "--value", "c2VjcmV0"])).json();
    const wrapped = (await ok(["wrap-key", ...V, "-n", "exp", "-a", "RSA-OAEP-256", "--value", "c2VjcmV0"])).json();
    const sig = (await ok(["sign", ...V, "-n", "exp", "-a", "RS256", "--digest", DIGEST])).json();
    await ok(["emulator", "time-shift", "P9D"]);
    expect((await cli(["encrypt", ...V, "-n", "exp", "-a", "RSA-OAEP", "--value", "c2VjcmV0"])).code).toBe(0);
    await ok(["emulator", "time-shift", "P1D"]);

    for (const args of [
      ["encrypt", ...V, "-n", "exp", "-a", "RSA-OAEP", "--value", "c2VjcmV0"],
      ["encrypt", ...V, "-n", "exp", "-a", "RSA1_5", "--value", "c2VjcmV0"],
      ["wrap-key", ...V, "-n", "exp", "-a", "RSA-OAEP", "--value", "c2VjcmV0"],
      ["sign", ...V, "-n", "exp", "-a", "RS256", "--digest", DIGEST],
    ]) {
      const run = await cli(args);
      expect(run.code, args[0]).toBe(1);
      expect(run.stderr).toMatch(/ERROR: \(Forbidden\) Operation (encrypt|wrapKey|sign) is not allowed on an expired key\./);
    }
    expect((await ok(["decrypt", ...V, "-n", "exp", "-a", "RSA-OAEP", "--value", enc.result])).json().result).toBe("c2VjcmV0");
    expect((await ok(["unwrap-key", ...V, "-n", "exp", "-a", "RSA-OAEP-256", "--value", wrapped.result])).json().result).toBe("c2VjcmV0");
    expect((await ok(["verify", ...V, "-n", "exp", "-a", "RS256", "--digest", DIGEST, "--signature", sig.signature])).json().isValid).toBe(true);

    // Back in real time the key works again: the shift was the only reason.
    await ok(["emulator", "time-shift", "--reset"]);
    expect((await cli(["sign", ...V, "-n", "exp", "-a", "RS256", "--digest", DIGEST])).code).toBe(0);
  });

  test("a key whose expiry passed in real time (no shift) refuses sign but still decrypts and verifies: the SDK's own clock check does not decide", async () => {
    // The JS SDK checks nbf/exp with the machine's clock before some operations, decrypt and verify
    // included (docs: implementation notes); the service allows those on an expired key, so the CLI must
    // leave the decision to the vault.
    await ok(["create", ...V, "-n", "past", "--ops", "encrypt", "decrypt", "sign", "verify"]);
    const enc = (await ok(["encrypt", ...V, "-n", "past", "-a", "RSA-OAEP", "--value", "c2VjcmV0"])).json();
    const sig = (await ok(["sign", ...V, "-n", "past", "-a", "RS256", "--digest", DIGEST])).json();
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 19) + "Z";
    await ok(["set-attributes", ...V, "-n", "past", "--expires", yesterday]);
    const refused = await cli(["sign", ...V, "-n", "past", "-a", "RS256", "--digest", DIGEST]);
    expect(refused.stderr).toMatch(/^ERROR: \(Forbidden\) Operation sign is not allowed on an expired key\./);
    expect((await ok(["decrypt", ...V, "-n", "past", "-a", "RSA-OAEP", "--value", enc.result])).json().result).toBe("c2VjcmV0");
    expect((await ok(["verify", ...V, "-n", "past", "-a", "RS256", "--digest", DIGEST, "--signature", sig.signature])).json().isValid).toBe(true);
  });

  test("a key not valid before --not-before becomes usable when the clock reaches it", async () => {
    const nbf = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 19) + "Z";
    await ok(["create", ...V, "-n", "later", "--kty", "EC", "--not-before", nbf]);
    const early = await cli(["sign", ...V, "-n", "later", "-a", "ES256", "--digest", DIGEST]);
    expect(early.stderr).toMatch(/\(Forbidden\) Operation sign is not allowed on a key that is not yet valid/);
    await ok(["emulator", "time-shift", "P2D"]);
    await ok(["sign", ...V, "-n", "later", "-a", "ES256", "--digest", DIGEST]);
  });

  test("a deleted key is purged when its retention has passed on the emulator clock", async () => {
    await ok(["emulator", "vault", "create", "-n", "life", "--retention-days", "7"]);
    await ok(["create", ...V, "-n", "gone", "--kty", "EC"]);
    const deleted = (await ok(["delete", ...V, "-n", "gone"])).json();
    expect(Date.parse(deleted.scheduledPurgeDate) - Date.parse(deleted.deletedDate)).toBe(7 * 86_400_000);
    await ok(["emulator", "time-shift", "P6D"]);
    await ok(["show-deleted", ...V, "-n", "gone"]);
    expect((await ok(["list-deleted", ...V])).json()).toHaveLength(1);
    await ok(["emulator", "time-shift", "P1D"]);
    const after = await cli(["show-deleted", ...V, "-n", "gone"]);
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/KeyNotFound|Deleted Key not found/);
    expect((await ok(["list-deleted", ...V])).json()).toEqual([]);
    // The name is free again.
    await ok(["create", ...V, "-n", "gone", "--kty", "EC"]);
  });
});

describe("rotate and rotation-policy", () => {
  test("a policy with timeAfterCreate P30D rotates on day 30 and not on day 29", async () => {
    await ok(["create", ...V, "-n", "auto", "--kty", "EC", "--tags", "team=a"]);
    const policy = (await ok(["rotation-policy", "update", ...V, "-n", "auto", "--value", '{"lifetimeActions":[{"trigger":{"timeAfterCreate":"P30D"},"action":{"type":"Rotate"}}],"attributes":{"expiryTime":"P90D"}}'])).json();
    expect(policy).toMatchObject({ expiresIn: "P90D", id: "https://life.vault.localhost/keys/auto/rotationpolicy" });
    await ok(["emulator", "time-shift", "P29D"]);
    expect(await versions([...V, "-n", "auto"])).toBe(1);
    await ok(["emulator", "time-shift", "P1D"]);
    expect(await versions([...V, "-n", "auto"])).toBe(2);
    const latest = (await ok(["show", ...V, "-n", "auto"])).json();
    expect(latest.tags).toEqual({ team: "a" });
    expect(latest.key.crv).toBe("P-256");
    expect(Date.parse(latest.attributes.expires) - Date.parse(latest.attributes.created)).toBe(90 * 86_400_000);
  });

  test("rotate prints the new version in az's key shape; a managed HSM needs a policy first", async () => {
    const first = (await ok(["create", ...V, "-n", "r", "--size", "3072", "--ops", "sign", "verify"])).json();
    const rotated = (await ok(["rotate", ...V, "-n", "r"])).json();
    expect(Object.keys(rotated).sort()).toEqual(["attributes", "key", "managed", "releasePolicy", "tags"]);
    expect(rotated.key.kid).not.toBe(first.key.kid);
    expect(rotated.key).toMatchObject({ kty: "RSA", keyOps: ["sign", "verify"] });
    expect(Buffer.from(rotated.key.n, "base64")).toHaveLength(384);

    await ok(["create", ...H, "-n", "r"]);
    const refused = await cli(["rotate", ...H, "-n", "r"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^ERROR: \(BadParameter\) The key r has no rotation policy\./);
    await ok(["rotation-policy", "update", ...H, "-n", "r", "--value", '{"lifetimeActions":[{"action":"Rotate","timeAfterCreate":"P1Y"}]}']);
    await ok(["rotate", ...H, "-n", "r"]);
    const usage = await cli(["rotate", "--vault-name", "life"]);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain("incorrect usage: --id ID | --vault-name/--hsm-name VAULT/HSM --name/-n NAME [--version VERSION]");
  });

  test("rotation-policy show prints az's model: the default for a new key, then the one set", async () => {
    await ok(["create", ...V, "-n", "p", "--kty", "EC"]);
    expect((await ok(["rotation-policy", "show", ...V, "-n", "p"])).json()).toEqual({
      createdOn: null,
      expiresIn: null,
      id: "https://life.vault.localhost/keys/p/rotationpolicy",
      lifetimeActions: [{ action: "Notify", timeAfterCreate: null, timeBeforeExpiry: "P30D" }],
      updatedOn: null,
    });
    const updated = (await ok(["rotation-policy", "update", ...V, "-n", "p", "--value", '{"lifetimeActions":[{"trigger":{"timeBeforeExpiry":"P10D"},"action":{"type":"Rotate"}}],"attributes":{"expiryTime":"P60D"}}'])).json();
    expect(updated).toMatchObject({
      expiresIn: "P60D",
      lifetimeActions: [
        { action: "Rotate", timeAfterCreate: null, timeBeforeExpiry: "P10D" },
        { action: "Notify", timeAfterCreate: null, timeBeforeExpiry: "P30D" },
      ],
    });
    expect(updated.createdOn).toMatch(/\+00:00$/);
    expect((await ok(["rotation-policy", "show", ...V, "-n", "p"])).json()).toEqual(updated);
  });

  test("update --value takes the three spellings az accepts, as a string or a file", async () => {
    await ok(["create", ...V, "-n", "s", "--kty", "EC"]);
    const spellings = {
      rest: { lifetimeActions: [{ trigger: { timeAfterCreate: "P40D" }, action: { type: "Rotate" } }], attributes: { expiryTime: "P100D" } },
      snake: { lifetime_actions: [{ trigger: { time_after_create: "P40D" }, action: { type: "Rotate" } }], attributes: { expiry_time: "P100D" } },
      sdk: { lifetimeActions: [{ action: "Rotate", timeAfterCreate: "P40D" }], expiresIn: "P100D" },
      sdkSnake: { lifetime_actions: [{ action: "rotate", time_after_create: "P40D" }], attributes: { expires_in: "P100D" } },
    };
    for (const [name, policy] of Object.entries(spellings)) {
      const run = await ok(["rotation-policy", "update", ...V, "-n", "s", "--value", JSON.stringify(policy)]);
      expect(run.json(), name).toMatchObject({ expiresIn: "P100D", lifetimeActions: [{ action: "Rotate", timeAfterCreate: "P40D", timeBeforeExpiry: null }, { action: "Notify" }] });
    }
    writeFileSync(join(home.dir, "policy.json"), JSON.stringify({ lifetimeActions: [{ action: "Rotate", timeAfterCreate: "P50D" }] }));
    const fromFile = await ok(["rotation-policy", "update", ...V, "-n", "s", "--value", join(home.dir, "policy.json")]);
    expect(fromFile.json().lifetimeActions[0].timeAfterCreate).toBe("P50D");
    const viaCwd = await cli(["rotation-policy", "update", ...V, "-n", "s", "--value", "policy.json"], { cwd: home.dir });
    expect(viaCwd.json().lifetimeActions[0].timeAfterCreate).toBe("P50D");
  });

  test("az's --value errors, and the vault's rules with its code", async () => {
    await ok(["create", ...V, "-n", "e", "--kty", "EC"]);
    const notJson = await cli(["rotation-policy", "update", ...V, "-n", "e", "--value", "{bad"]);
    expect(notJson.code).toBe(1);
    // One line (issue 9: every refusal is one ERROR line), naming the flag.
    expect(notJson.stderr).toMatch(/^ERROR: Failed to parse --value as JSON: [^\n]*\n$/);
    for (const value of ["{}", "[]", "null"]) {
      const empty = await cli(["rotation-policy", "update", ...V, "-n", "e", "--value", value]);
      expect(empty.code).toBe(1);
      expect(empty.stderr).toBe("ERROR: Please specify a valid policy\n");
    }
    const missing = await cli(["rotation-policy", "update", ...V, "-n", "e"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/the following arguments are required: --value/);
    const short = await cli(["rotation-policy", "update", ...V, "-n", "e", "--value", '{"lifetimeActions":[{"action":"Rotate","timeAfterCreate":"P30D"}],"expiresIn":"P27D"}']);
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/^ERROR: \(BadParameter\) The rotation policy's expiryTime \(P27D\) is shorter than the minimum of 28 days/);
    const noHsm = await cli(["rotation-policy", "update", ...H, "-n", "e", "--value", '{"lifetimeActions":[{"action":"Notify","timeBeforeExpiry":"P30D"}]}']);
    expect(noHsm.stderr).toMatch(/^ERROR: \(VaultNotFound\) /);
    await ok(["create", ...H, "-n", "e"]);
    const hsmNotify = await cli(["rotation-policy", "update", ...H, "-n", "e", "--value", '{"lifetimeActions":[{"action":"Notify","timeBeforeExpiry":"P30D"}]}']);
    expect(hsmNotify.stderr).toMatch(/\(BadParameter\) lifetimeActions\[0\]: Notify actions are not supported in a managed HSM/);
    // A release policy is not a rotation policy: az's users meet AKV.SKR.1005 when they mix them up (azure-cli #28288).
    const mixedUp = await cli(["create", ...V, "-n", "mix", "--policy", '{"lifetimeActions":[{"trigger":{"timeAfterCreate":"P1Y"},"action":{"type":"Rotate"}}],"attributes":{"expiryTime":"P2Y"}}']);
    expect(mixedUp.code).toBe(1);
    expect(mixedUp.stderr).toMatch(/\(BadParameter\) Key Release Policy: missing 'version' property/);
  });
});

describe("release policies and get-policy-template", () => {
  test("get-policy-template prints az's template, with the preview warning", async () => {
    const run = await ok(["get-policy-template"]);
    expect(run.stdout).toBe(
      '{\n  "anyOf": [\n    {\n      "allOf": [\n        {\n          "claim": "<claim name>",\n          "equals": "<value to match>"\n        }\n      ],\n      "authority": "<issuer>"\n    }\n  ],\n  "version": "1.0.0"\n}\n',
    );
    expect(run.stderr).toBe("WARNING: This command is in preview and under development. Reference and support levels: https://aka.ms/CLI_refstatus\n");
    expect((await ok(["get-policy-template", "-o", "tsv"])).stdout).toBe("1\t1.0.0\n");
  });

  test("set-attributes sets a policy and --immutable; the vault's AKV.SKR rules come back with their codes", async () => {
    const policy = { version: "1.0.0", anyOf: [{ authority: "https://attestation.localhost", allOf: [{ claim: "a", equals: "b" }] }] };
    const created = (await ok(["create", ...H, "-n", "k", "--exportable", "--policy", JSON.stringify(policy)])).json();
    const version = created.key.kid.split("/").pop();
    const perVersion = await cli(["set-attributes", ...H, "-n", "k", "--version", version, "--policy", JSON.stringify(policy)]);
    expect(perVersion.code).toBe(1);
    expect(perVersion.stderr).toMatch(/^ERROR: \(BadParameter\) AKV\.SKR\.1016: Key Release Policy can only be set on versionless key/m);
    const locked = (await ok(["set-attributes", ...H, "-n", "k", "--policy", JSON.stringify(policy), "--immutable"])).json();
    expect(locked.releasePolicy).toMatchObject({ immutable: true, encodedPolicy: JSON.stringify(policy) });
    const refused = await cli(["set-attributes", ...H, "-n", "k", "--policy", JSON.stringify({ ...policy, version: "1.0.1" })]);
    expect(refused.stderr).toMatch(/^ERROR: \(BadParameter\) AKV\.SKR\.1020: Immutable Key Release Policy cannot be modified\./m);
    const nonExportable = await ok(["create", ...H, "-n", "plain"]);
    expect(nonExportable.json().attributes.exportable).toBe(false);
    const onPlain = await cli(["set-attributes", ...H, "-n", "plain", "--policy", JSON.stringify(policy)]);
    expect(onPlain.stderr).toMatch(/^ERROR: \(BadParameter\) AKV\.SKR\.1005: Non-exportable keys must not have release policy\./m);
    const noPolicy = await cli(["create", ...H, "-n", "nopolicy", "--exportable"]);
    expect(noPolicy.stderr).toMatch(/^ERROR: \(BadParameter\) AKV\.SKR\.1004: Exportable keys must have release policy\./m);
  });
});

describe("secure key release through the CLI", () => {
  const runtime = generateKeyPairSync("rsa", { modulusLength: 2048 });

  test("a token with matching claims releases the key; it unwraps with the runtime private key to the vault key", async () => {
    writeFileSync(join(home.dir, "tee.pub.pem"), runtime.publicKey.export({ type: "spki", format: "pem" }));
    const created = (await ok(["create", ...H, "-n", "skr", "--exportable", "--default-cvm-policy"])).json();
    const token = (await ok(["emulator", "attestation-token", "--claim", "x-ms-compliance-status=azure-compliant-cvm", "--runtime-key", join(home.dir, "tee.pub.pem"), "--runtime-key-id", "tee"])).stdout;
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString());
    expect(claims).toMatchObject({ iss: "https://attestation.localhost", "x-ms-compliance-status": "azure-compliant-cvm", "x-ms-runtime": { keys: [{ kty: "RSA", kid: "tee" }] } });
    expect(claims.exp - claims.iat).toBe(3600);

    const released = await ok(["release", ...H, "-n", "skr", "--target", token.trim(), "--enc", "RSA_AES_KEY_WRAP_256"]);
    const opened = openRelease(released.json().value, runtime.privateKey);
    expect(opened.signatureValid).toBe(true);
    expect(opened.blob.header).toEqual({ kid: "tee", alg: "dir", enc: "RSA_AES_KEY_WRAP_256" });
    const jwk = publicJwkOfReleased(opened.plaintext);
    expect(Buffer.from(jwk.n as string, "base64url").toString("base64")).toBe(created.key.n);

    // --target also reads a file, and a private runtime key or a JWK works as --runtime-key.
    writeFileSync(join(home.dir, "tee.json"), JSON.stringify(runtime.privateKey.export({ format: "jwk" })));
    const fromJwk = (await ok(["emulator", "attestation-token", "--claim", "x-ms-compliance-status=azure-compliant-cvm", "--runtime-key", join(home.dir, "tee.json")])).stdout;
    writeFileSync(join(home.dir, "token.jwt"), fromJwk);
    const viaFile = await ok(["release", ...H, "-n", "skr", "--target", join(home.dir, "token.jwt"), "--query", "value", "-o", "tsv"]);
    expect(publicJwkOfReleased(openRelease(viaFile.stdout.trim(), runtime.privateKey).plaintext).n).toBe(jwk.n);
  });

  test("--default-data-disk-policy: a TDX or SEV-SNP TEE that is compliant gets the key; another TEE type or a bare compliant CVM does not", async () => {
    writeFileSync(join(home.dir, "tee.pub.pem"), runtime.publicKey.export({ type: "spki", format: "pem" }));
    const created = (await ok(["create", ...H, "-n", "disk", "--exportable", "--default-dd-policy"])).json();
    const token = async (...claims: string[]) =>
      (await ok(["emulator", "attestation-token", ...claims.flatMap((c) => ["--claim", c]), "--runtime-key", join(home.dir, "tee.pub.pem")])).stdout.trim();
    const compliant = "x-ms-isolation-tee.x-ms-compliance-status=azure-compliant-cvm";
    const released = await ok(["release", ...H, "-n", "disk", "--target", await token("x-ms-isolation-tee.x-ms-attestation-type=tdxvm", compliant)]);
    expect(Buffer.from(publicJwkOfReleased(openRelease(released.json().value, runtime.privateKey).plaintext).n as string, "base64url").toString("base64")).toBe(created.key.n);
    for (const claims of [["x-ms-isolation-tee.x-ms-attestation-type=sgx", compliant], ["x-ms-compliance-status=azure-compliant-cvm"]]) {
      const refused = await cli(["release", ...H, "-n", "disk", "--target", await token(...claims)]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^ERROR: \(Forbidden\) /);
    }
  });

  test("a wrong claim, a wrong signer or an expired token: 403 Forbidden", async () => {
    writeFileSync(join(home.dir, "tee.pem"), runtime.privateKey.export({ type: "pkcs8", format: "pem" }));
    await ok(["create", ...H, "-n", "skr", "--exportable", "--policy", JSON.stringify({ version: "1.0.0", anyOf: [{ authority: "https://attestation.localhost", allOf: [{ claim: "app", equals: "billing" }] }] })]);
    const token = async (claim: string, extra: string[] = []) =>
      (await ok(["emulator", "attestation-token", "--claim", claim, "--runtime-key", join(home.dir, "tee.pem"), ...extra])).stdout.trim();
    const refused = async (target: string, message: RegExp) => {
      const run = await cli(["release", ...H, "-n", "skr", "--target", target]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^ERROR: \(Forbidden\) /);
      expect(run.stderr).toMatch(message);
    };
    await refused(await token("app=payroll"), /claims do not satisfy the key's release policy/);
    const other = tempDataDir();
    try {
      await refused(await token("app=billing", ["--data-dir", other.dir]), /not signed by a trusted attestation authority/);
    } finally {
      other.cleanup();
    }
    const brief = await token("app=billing", ["--lifetime", "10m"]);
    await ok(["release", ...H, "-n", "skr", "--target", brief]);
    await ok(["emulator", "time-shift", "PT10M"]);
    await refused(brief, /The attestation token has expired/);
  });

  test("attestation-token's own errors", async () => {
    const missing = await cli(["emulator", "attestation-token", "--claim", "a=b"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/the following arguments are required: --runtime-key/);
    writeFileSync(join(home.dir, "ec.pem"), generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }));
    const ec = await cli(["emulator", "attestation-token", "--runtime-key", join(home.dir, "ec.pem")]);
    expect(ec.code).toBe(1);
    expect(ec.stderr).toMatch(/is a ec key; a runtime key is RSA/);
    const badClaim = await cli(["emulator", "attestation-token", "--claim", "novalue", "--runtime-key", join(home.dir, "ec.pem")]);
    expect(badClaim.code).toBe(2);
  });
});

describe("get-attestation", () => {
  test("prints the key with attributes.attestation (PEM chain, base64 blobs); --file writes it instead", async () => {
    const created = (await ok(["create", ...H, "-n", "att", "--kty", "EC-HSM"])).json();
    const run = (await ok(["get-attestation", ...H, "-n", "att"])).json();
    expect(run.key.kid).toBe(created.key.kid);
    const att = run.attributes.attestation;
    expect(att.version).toBe("1.0.0");
    expect(att.certificatePemFile).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]*-----END CERTIFICATE-----\n$/);
    expect(Buffer.from(att.publicKeyAttestation, "base64")[0]).toBe(0x30);
    expect(Buffer.from(att.privateKeyAttestation, "base64")[0]).toBe(0x30);

    const version = created.key.kid.split("/").pop();
    const file = join(home.dir, "att.json");
    const saved = await ok(["get-attestation", "--id", created.key.kid, "-f", file]);
    expect(saved.stdout).toBe("");
    expect(JSON.parse(readFileSync(file, "utf8")).key.kid).toBe(created.key.kid);
    const again = await cli(["get-attestation", ...H, "-n", "att", "--version", version, "-f", file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already exists");
    expect(existsSync(file)).toBe(true);
    // A Managed HSM command: no --vault-name.
    expect((await cli(["get-attestation", "--vault-name", "v", "-n", "att"])).code).toBe(2);
  });
});
