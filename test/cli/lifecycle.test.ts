import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliIn, errorLine } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";

let home: { dir: string; cleanup: () => void };
let cli: ReturnType<typeof cliIn>;

beforeEach(() => {
  home = tempDataDir();
  cli = cliIn(home.dir);
});
afterEach(() => home.cleanup());

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/;

describe("create", () => {
  test("an RSA key by default, in az's track-2 shape, with a one-time note that the vault was created", async () => {
    const run = await cli(["create", "--vault-name", "demo", "--name", "k1"]);
    expect(run.code).toBe(0);
    const key = run.json();
    expect(Object.keys(key)).toEqual(["attributes", "key", "managed", "releasePolicy", "tags"]);
    expect(key.key.kty).toBe("RSA");
    expect(key.key.kid).toMatch(/^https:\/\/demo\.vault\.localhost\/keys\/k1\/[0-9a-f]{32}$/);
    expect(Object.keys(key.key)).toEqual(["crv", "d", "dp", "dq", "e", "k", "keyOps", "kid", "kty", "n", "p", "q", "qi", "t", "x", "y"]);
    expect(key.key.e).toBe("AQAB");
    // Standard base64 of a 2048-bit modulus: 256 bytes -> 344 characters with padding.
    expect(key.key.n).toMatch(/^[A-Za-z0-9+/]{342}==$/);
    expect(key.key.d).toBeNull();
    expect(key.key.keyOps).toEqual(["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]);
    expect(key.attributes).toMatchObject({ enabled: true, expires: null, notBefore: null, recoverableDays: 90, recoveryLevel: "Recoverable+Purgeable", exportable: false });
    expect(key.attributes.created).toMatch(ISO);
    expect(key.tags).toBeNull();
    expect(run.stderr).toMatch(/Created the local key vault https:\/\/demo\.vault\.localhost/);

    const second = await cli(["create", "--vault-name", "demo", "--name", "k2"]);
    expect(second.code).toBe(0);
    expect(second.stderr).toBe("");
  });

  test("EC with --curve implies kty EC; every az attribute flag reaches the vault", async () => {
    const run = await cli([
      "create", "--vault-name", "demo", "-n", "ec", "--curve", "p-384", "--ops", "sign", "verify",
      "--disabled", "--expires", "2030-01-02T03:04:05Z", "--not-before", "2026-01-01", "--tags", "env=prod", "team",
    ]);
    expect(run.code).toBe(0);
    const key = run.json();
    expect(key.key).toMatchObject({ kty: "EC", crv: "P-384", keyOps: ["sign", "verify"] });
    expect(key.key.x).toMatch(/^[A-Za-z0-9+/]{64}$/);
    expect(key.attributes).toMatchObject({ enabled: false, expires: "2030-01-02T03:04:05+00:00", notBefore: "2026-01-01T00:00:00+00:00" });
    expect(key.tags).toEqual({ env: "prod", team: "" });
  });

  test("-p hsm makes an HSM key; --size picks the RSA size; oct-HSM works in a managed HSM", async () => {
    const rsa = await cli(["create", "--vault-name", "demo", "-n", "r", "-p", "hsm", "--size", "3072"]);
    expect(rsa.json().key.kty).toBe("RSA-HSM");
    expect(Buffer.from(rsa.json().key.n, "base64").length).toBe(384);
    const aes = await cli(["create", "--hsm-name", "myhsm", "-n", "aes", "--kty", "oct-HSM", "--size", "256"]);
    expect(aes.code).toBe(0);
    expect(aes.json().key).toMatchObject({ kty: "oct-HSM", k: null, kid: expect.stringMatching(/^https:\/\/myhsm\.managedhsm\.localhost\/keys\/aes\//) });
    expect(aes.stderr).toMatch(/Created the local managed HSM https:\/\/myhsm\.managedhsm\.localhost/);
  });

  test("a second create adds a version; the service's errors surface as one ERROR line with exit 1", async () => {
    await cli(["create", "--vault-name", "demo", "-n", "k"]);
    await cli(["create", "--vault-name", "demo", "-n", "k", "--kty", "EC"]);
    const versions = await cli(["list-versions", "--vault-name", "demo", "-n", "k"]);
    expect(versions.json()).toHaveLength(2);
    const oct = await cli(["create", "--vault-name", "demo", "-n", "sym", "--kty", "oct"]);
    expect(oct.code).toBe(1);
    expect(oct.stderr).toMatch(/^ERROR: \(BadParameter\) The key type oct is not supported in a key vault/);
    expect(errorLine(oct.stderr)).toMatch(/^\(BadParameter\) /);
    expect(oct.stderr).toMatch(/\nCode: BadParameter\nMessage: The key type oct is not supported in a key vault/);
  });

  test("release policy from a JSON string and from a file; --immutable needs a policy", async () => {
    const policy = { version: "1.0.0", anyOf: [{ authority: "https://attest.example", allOf: [{ claim: "c", equals: "v" }] }] };
    const run = await cli(["create", "--hsm-name", "h", "-n", "exp", "--exportable", "--policy", JSON.stringify(policy), "--immutable", "false"]);
    expect(run.code).toBe(0);
    expect(run.json().attributes.exportable).toBe(true);
    expect(JSON.parse(run.json().releasePolicy.encodedPolicy)).toEqual(policy);
    expect(run.json().releasePolicy.immutable).toBe(false);

    writeFileSync(join(home.dir, "policy.json"), JSON.stringify(policy));
    const fromFile = await cli(["create", "--hsm-name", "h", "-n", "exp2", "--exportable", "true", "--policy", "policy.json"], { cwd: home.dir });
    expect(fromFile.code).toBe(0);

    const immutable = await cli(["create", "--vault-name", "demo", "-n", "x", "--immutable"]);
    expect(immutable.code).toBe(1);
    expect(immutable.stderr).toBe("ERROR: Please provide policy when setting `--immutable`\n");
  });
});

describe("the key lifecycle", () => {
  test("show, set-attributes, list, delete, show-deleted, list-deleted, recover, backup, purge, restore", async () => {
    const created = (await cli(["create", "--vault-name", "demo", "-n", "life", "--kty", "EC"])).json();
    const version = created.key.kid.split("/").pop();

    const shown = await cli(["show", "--vault-name", "demo", "-n", "life"]);
    expect(shown.code).toBe(0);
    expect(shown.json()).toEqual(created);
    const byId = await cli(["show", "--id", created.key.kid]);
    expect(byId.json().key.kid).toBe(created.key.kid);

    const updated = await cli(["set-attributes", "--vault-name", "demo", "-n", "life", "--version", version, "--enabled", "false", "--tags", "a=b", "--ops", "sign"]);
    expect(updated.code).toBe(0);
    expect(updated.json().attributes.enabled).toBe(false);
    expect(updated.json().tags).toEqual({ a: "b" });
    expect(updated.json().key.keyOps).toEqual(["sign"]);
    const cleared = await cli(["set-attributes", "--vault-name", "demo", "-n", "life", "--tags", ""]);
    expect(cleared.json().tags).toEqual({});

    const listed = await cli(["list", "--vault-name", "demo"]);
    expect(listed.json()).toEqual([
      expect.objectContaining({ name: "life", kid: "https://demo.vault.localhost/keys/life", managed: null, tags: {} }),
    ]);

    const backupFile = join(home.dir, "life.backup");
    expect((await cli(["backup", "--vault-name", "demo", "-n", "life", "-f", backupFile])).code).toBe(0);
    expect(statSync(backupFile).size).toBeGreaterThan(100);
    expect(statSync(backupFile).mode & 0o777).toBe(0o600);

    const deleted = await cli(["delete", "--vault-name", "demo", "-n", "life"]);
    expect(deleted.code).toBe(0);
    expect(deleted.stderr).toMatch(/^WARNING: Warning! If you have soft-delete protection enabled on this key vault/);
    expect(deleted.json()).toMatchObject({ recoveryId: "https://demo.vault.localhost/deletedkeys/life" });
    expect(Object.keys(deleted.json())).toEqual(["attributes", "deletedDate", "key", "managed", "recoveryId", "releasePolicy", "scheduledPurgeDate", "tags"]);
    expect(deleted.json().deletedDate).toMatch(ISO);
    const purgeAt = Date.parse(deleted.json().scheduledPurgeDate) - Date.parse(deleted.json().deletedDate);
    expect(purgeAt).toBe(90 * 86_400_000);

    expect((await cli(["show", "--vault-name", "demo", "-n", "life"])).code).toBe(3);
    const shownDeleted = await cli(["show-deleted", "--id", "https://demo.vault.localhost/deletedkeys/life"]);
    expect(shownDeleted.json().key.kid).toBe(updated.json().key.kid.replace(version, shownDeleted.json().key.kid.split("/").pop()));
    expect((await cli(["list-deleted", "--vault-name", "demo"])).json().map((k: { name: string }) => k.name)).toEqual(["life"]);

    const recovered = await cli(["recover", "--vault-name", "demo", "-n", "life"]);
    expect(recovered.code).toBe(0);
    expect(recovered.json().key.kid).toMatch(/\/keys\/life\//);
    expect((await cli(["show", "--vault-name", "demo", "-n", "life"])).code).toBe(0);

    await cli(["delete", "--vault-name", "demo", "-n", "life", "--only-show-errors"]);
    const purged = await cli(["purge", "--vault-name", "demo", "-n", "life"]);
    expect(purged).toMatchObject({ code: 0, stdout: "" });
    expect((await cli(["list-deleted", "--vault-name", "demo"])).json()).toEqual([]);

    const restored = await cli(["restore", "--vault-name", "demo", "-f", backupFile]);
    expect(restored.code).toBe(0);
    expect(restored.json().key.kid).toBe(created.key.kid);
    expect(restored.json().key.x).toBe(created.key.x);
  });

  test("--maxresults cuts lists and pages past the service's 25", async () => {
    for (let i = 0; i < 3; i++) await cli(["create", "--vault-name", "demo", "-n", `k${i}`, "--kty", "EC"]);
    expect((await cli(["list", "--vault-name", "demo", "--maxresults", "2"])).json()).toHaveLength(2);
    expect((await cli(["list", "--vault-name", "demo", "--maxresults", "30"])).json()).toHaveLength(3);
    const bad = await cli(["list", "--vault-name", "demo", "--maxresults", "abc"]);
    expect(bad).toMatchObject({ code: 2, stderr: "ERROR: argument --maxresults: invalid int value: 'abc'\n" });
  });

  test("delete in a managed HSM prints no soft-delete warning; restore reads from a relative path", async () => {
    await cli(["create", "--hsm-name", "h", "-n", "k", "--kty", "EC"]);
    await cli(["backup", "--hsm-name", "h", "-n", "k", "-f", "k.bak"], { cwd: home.dir });
    expect(existsSync(join(home.dir, "k.bak"))).toBe(true);
    const deleted = await cli(["delete", "--hsm-name", "h", "-n", "k"]);
    expect(deleted.code).toBe(0);
    expect(deleted.stderr).toBe("");
    await cli(["purge", "--hsm-name", "h", "-n", "k"]);
    const restored = await cli(["restore", "--hsm-name", "h", "--file", "k.bak"], { cwd: home.dir });
    expect(restored.code).toBe(0);
    expect(readFileSync(join(home.dir, "k.bak")).length).toBeGreaterThan(0);
  });
});
