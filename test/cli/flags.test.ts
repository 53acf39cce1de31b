import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { join } from "node:path";
import { cliIn } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";

// Flags of the lifecycle commands not exercised elsewhere.

let home: { dir: string; cleanup: () => void };
let cli: ReturnType<typeof cliIn>;
beforeAll(() => {
  home = tempDataDir();
  cli = cliIn(home.dir);
});
afterAll(() => home.cleanup());

const POLICY = { version: "1.0.0", anyOf: [{ authority: "https://attestation.localhost", allOf: [{ claim: "x", equals: "y" }] }] };

describe("release-policy flags", () => {
  test("--default-cvm-policy gives the Azure-compliant-CVM policy for the local attestation authority", async () => {
    const run = await cli(["create", "--hsm-name", "f", "-n", "cvm", "--exportable", "--default-cvm-policy"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.json().releasePolicy.encodedPolicy)).toEqual({
      version: "1.0.0",
      anyOf: [{ authority: "https://attestation.localhost", allOf: [{ claim: "x-ms-compliance-status", equals: "azure-compliant-cvm" }] }],
    });
  });

  test("--default-data-disk-policy (and its alias --default-dd-policy) gives az's data-disk policy: an SEV-SNP or TDX TEE that is Azure-compliant", async () => {
    const expected = {
      version: "1.0.0",
      anyOf: [
        {
          authority: "https://attestation.localhost",
          allOf: [
            {
              anyOf: [
                { claim: "x-ms-isolation-tee.x-ms-attestation-type", equals: "sevsnpvm" },
                { claim: "x-ms-isolation-tee.x-ms-attestation-type", equals: "tdxvm" },
              ],
            },
            { claim: "x-ms-isolation-tee.x-ms-compliance-status", equals: "azure-compliant-cvm" },
          ],
        },
      ],
    };
    for (const [name, flag] of [["dd1", "--default-data-disk-policy"], ["dd2", "--default-dd-policy"]] as const) {
      const run = await cli(["create", "--hsm-name", "f", "-n", name, "--exportable", flag, "--immutable"]);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.json().releasePolicy.encodedPolicy)).toEqual(expected);
      expect(run.json().releasePolicy.immutable).toBe(true);
    }
    const help = (await cli(["create", "--help"])).stdout.replace(/\s+/g, " ");
    expect(help).toMatch(/--default-data-disk-policy --default-dd-policy\s*: Use default policy under which the key can be exported for data disk encryption\./);
  });

  test("against Azure a default policy is refused before any request: kvkey cannot ask Azure Attestation for it", async () => {
    const run = await cli(["create", "--id", "https://prod-kv.vault.azure.net/keys/k", "--exportable", "--default-dd-policy"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("ERROR: kvkey cannot fetch Azure Attestation's default policy yet; pass the policy JSON with --policy instead of --default-data-disk-policy.\n");
  });

  test("set-attributes --policy replaces a mutable policy (no preview warning, as in az), and --immutable locks it", async () => {
    await cli(["create", "--hsm-name", "f", "-n", "exp", "--exportable", "--policy", JSON.stringify(POLICY)]);
    const next = { ...POLICY, anyOf: [{ ...POLICY.anyOf[0], allOf: [{ claim: "x", equals: "z" }] }] };
    const updated = await cli(["set-attributes", "--hsm-name", "f", "-n", "exp", "--policy", JSON.stringify(next), "--immutable", "true"]);
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.json().releasePolicy.encodedPolicy)).toEqual(next);
    expect(updated.json().releasePolicy.immutable).toBe(true);
    expect(updated.stderr).toBe("");
    const locked = await cli(["set-attributes", "--hsm-name", "f", "-n", "exp", "--policy", JSON.stringify(POLICY)]);
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(/AKV\.SKR\.1020/);
  });

  test("--exportable without a policy is refused by the vault with AKV.SKR.1004", async () => {
    const run = await cli(["create", "--hsm-name", "f", "-n", "nopolicy", "--exportable"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^ERROR: \(BadParameter\) AKV\.SKR\.1004/);
  });

  test("a --policy that is neither a file nor JSON names the problem", async () => {
    const run = await cli(["create", "--hsm-name", "f", "-n", "bad", "--exportable", "--policy", "{not json"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^ERROR: Failed to parse --policy as JSON: /);
  });
});

describe("list flags", () => {
  test("--include-managed accepts az's three-state values", async () => {
    await cli(["create", "--vault-name", "f", "-n", "k", "--kty", "EC"]);
    for (const value of [[], ["true"], ["false"], ["TRUE"]]) {
      const run = await cli(["list", "--vault-name", "f", "--include-managed", ...value]);
      expect(run.code).toBe(0);
      expect(run.json().map((k: { name: string }) => k.name)).toEqual(["k"]);
    }
    expect((await cli(["list", "--vault-name", "f", "--include-managed", "maybe"])).code).toBe(2);
  });

  test("list-versions and list-deleted take --maxresults", async () => {
    await cli(["create", "--vault-name", "f", "-n", "k", "--kty", "EC"]);
    expect((await cli(["list-versions", "--vault-name", "f", "-n", "k", "--maxresults", "1"])).json()).toHaveLength(1);
    expect((await cli(["list-deleted", "--vault-name", "f", "--maxresults", "1"])).json()).toEqual([]);
  });
});

describe("restore's storage-account arguments", () => {
  test("are accepted by the parser and refused with a clear message", async () => {
    const run = await cli([
      "restore", "--hsm-name", "f", "--storage-account-name", "acct", "--blob-container-name", "c",
      "-t", "sas", "--backup-folder", "b", "-n", "k", "--no-wait",
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^ERROR: Selective key restore from a storage account .* is not supported by kvkey/);
  });
});

describe("every Id-argument spelling of the lifecycle commands", () => {
  test("--id, --name/-n, --version/-v and --hsm-name reach the same key as az's other spellings", async () => {
    const first = (await cli(["create", "--hsm-name", "ids", "-n", "k", "--kty", "EC"])).json();
    // create --id: a key id names the key; a version in it is ignored (create always adds one).
    const second = await cli(["create", "--id", first.key.kid, "-p", "software", "--kty", "EC", "--disabled", "false"]);
    expect(second.code).toBe(0);
    expect(second.json().key.kid).not.toBe(first.key.kid);
    expect(second.json().key.kty).toBe("EC-HSM"); // a managed HSM keeps every key in its HSM
    const v1 = first.key.kid.split("/").pop();

    for (const args of [["-v", v1], ["--version", v1]]) {
      expect((await cli(["show", "--hsm-name", "ids", "-n", "k", ...args])).json().key.kid).toBe(first.key.kid);
    }
    expect((await cli(["show", "--id", first.key.kid])).json().key.kid).toBe(first.key.kid);

    // set-attributes on one version: by a versioned --id, and by -v.
    const byId = await cli(["set-attributes", "--id", first.key.kid, "--tags", "via=id"]);
    expect(byId.json()).toMatchObject({ key: { kid: first.key.kid }, tags: { via: "id" } });
    expect((await cli(["set-attributes", "--hsm-name", "ids", "--name", "k", "-v", v1, "--enabled", "false"])).json().attributes.enabled).toBe(false);
    expect((await cli(["show", "--hsm-name", "ids", "-n", "k"])).json()).toMatchObject({ attributes: { enabled: true }, tags: null });

    const vaultUrl = "https://ids.managedhsm.localhost";
    expect((await cli(["list", "--id", vaultUrl, "--query", "[].name", "-o", "tsv"])).stdout).toBe("k\n");
    expect((await cli(["list-versions", "--id", `${vaultUrl}/keys/k`])).json()).toHaveLength(2);
    expect((await cli(["list-versions", "--hsm-name", "ids", "--name", "k", "--query", "length(@)"])).json()).toBe(2);

    expect((await cli(["backup", "--id", `${vaultUrl}/keys/k`, "--file", join(home.dir, "ids.bak")])).code).toBe(0);
    expect((await cli(["delete", "--id", `${vaultUrl}/keys/k`, "-o", "none"])).code).toBe(0);
    expect((await cli(["show-deleted", "--hsm-name", "ids", "--name", "k"])).json().recoveryId).toBe(`${vaultUrl}/deletedkeys/k`);
    expect((await cli(["list-deleted", "--hsm-name", "ids", "--query", "[].name", "-o", "tsv"])).stdout).toBe("k\n");
    expect((await cli(["list-deleted", "--id", vaultUrl, "--query", "[].recoveryId", "-o", "tsv"])).stdout).toBe(`${vaultUrl}/deletedkeys/k\n`);
    expect((await cli(["recover", "--id", `${vaultUrl}/deletedkeys/k`, "-o", "none"])).code).toBe(0);
    expect((await cli(["delete", "--hsm-name", "ids", "--name", "k", "-o", "none"])).code).toBe(0);
    expect((await cli(["recover", "--hsm-name", "ids", "--name", "k", "--query", "key.kty", "-o", "tsv"])).stdout).toBe("EC-HSM\n");

    await cli(["delete", "--hsm-name", "ids", "-n", "k", "-o", "none"]);
    expect((await cli(["purge", "--id", `${vaultUrl}/deletedkeys/k`])).code).toBe(0);
    expect((await cli(["restore", "--id", vaultUrl, "-f", join(home.dir, "ids.bak"), "--query", "key.kid", "-o", "tsv"])).stdout).toBe(`${second.json().key.kid}\n`);
    await cli(["delete", "--hsm-name", "ids", "-n", "k", "-o", "none"]);
    expect((await cli(["purge", "--hsm-name", "ids", "--name", "k", "--yes"])).code).toBe(0);
    expect((await cli(["list-deleted", "--hsm-name", "ids"])).json()).toEqual([]);
  });

  test("restore's short and long storage spellings are all known to the parser", async () => {
    for (const args of [["-u", "https://acct.blob.core.windows.net/c"], ["--storage-resource-uri", "https://acct.blob.core.windows.net/c"], ["-t", "sas"], ["--storage-container-SAS-token", "sas"]]) {
      const run = await cli(["restore", "--hsm-name", "f", ...args]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^ERROR: Selective key restore from a storage account/);
    }
  });
});
