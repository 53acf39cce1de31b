import { describe, expect, test } from "vitest";
import { resolveKeyAddress, resolveVaultUrl } from "../../../src/cli/args/id-args.js";
import { activeCloudName, findCloud } from "../../../src/vault-client/clouds.js";
import { endpointFor, servedVaultUrl } from "../../../src/vault-client/endpoint.js";

const local = findCloud("Local")!;
const gov = findCloud("AzureUSGovernment")!;
const keys = { collection: "keys" as const, takesVersion: true };

describe("vault URLs from names, per cloud", () => {
  test("Local resolves to the embedded vault's hosts; Azure clouds to their suffixes", () => {
    expect(resolveKeyAddress({ vaultName: "demo", name: "k" }, local, keys).vaultUrl).toBe("https://demo.vault.localhost");
    expect(resolveKeyAddress({ hsmName: "h", name: "k" }, local, keys).vaultUrl).toBe("https://h.managedhsm.localhost");
    expect(resolveKeyAddress({ vaultName: "v1", name: "k" }, gov, keys).vaultUrl).toBe("https://v1.vault.usgovcloudapi.net");
    expect(resolveVaultUrl({ hsmName: "h" }, findCloud("AzureChinaCloud")!)).toBe("https://h.managedhsm.azure.cn");
  });

  test("--id decides by its own host, whatever the cloud; the port survives", () => {
    const a = resolveKeyAddress({ id: "https://prod.vault.azure.net/keys/k/abc" }, local, keys);
    expect(a).toEqual({ vaultUrl: "https://prod.vault.azure.net", name: "k", version: "abc" });
    expect(resolveVaultUrl({ id: "https://demo.vault.localhost:8443/" }, gov)).toBe("https://demo.vault.localhost:8443");
    expect(resolveKeyAddress({ id: "https://demo.vault.localhost/keys/k/" }, gov, keys)).toEqual({ vaultUrl: "https://demo.vault.localhost", name: "k" });
  });

  test("a version in --id is dropped by commands without --version", () => {
    const a = resolveKeyAddress({ id: "https://d.vault.localhost/keys/k/abc" }, local, { collection: "keys", takesVersion: false });
    expect(a.version).toBeUndefined();
  });

  test("recovery ids address deleted keys", () => {
    expect(resolveKeyAddress({ id: "https://d.vault.localhost/deletedkeys/k" }, local, { collection: "deletedkeys", takesVersion: false })).toEqual({
      vaultUrl: "https://d.vault.localhost",
      name: "k",
    });
  });
});

describe("the active cloud", () => {
  test("--cloud beats KVKEY_CLOUD beats AZURE_CLOUD_NAME beats config beats Local", () => {
    const env = { KVKEY_CLOUD: "AzureCloud", AZURE_CLOUD_NAME: "AzureUSGovernment" };
    expect(activeCloudName("AzureChinaCloud", env, "AzureCloud")).toEqual({ name: "AzureChinaCloud", source: "--cloud" });
    expect(activeCloudName(undefined, env, undefined)).toEqual({ name: "AzureCloud", source: "KVKEY_CLOUD" });
    expect(activeCloudName(undefined, { AZURE_CLOUD_NAME: "AzureUSGovernment" }, "AzureCloud").name).toBe("AzureUSGovernment");
    expect(activeCloudName(undefined, {}, "AzureCloud")).toEqual({ name: "AzureCloud", source: "config" });
    expect(activeCloudName(undefined, {}, undefined)).toEqual({ name: "Local", source: "default" });
  });
});

describe("transports", () => {
  test("*.localhost without a port is embedded, with a port served, anything else Azure", () => {
    expect(endpointFor("https://demo.vault.localhost").transport).toBe("embedded");
    expect(endpointFor("https://demo.vault.localhost:8443").transport).toBe("served");
    expect(endpointFor("https://prod.vault.azure.net").transport).toBe("azure");
    expect(endpointFor("https://h.managedhsm.localhost").managedHsm).toBe(true);
  });

  test("an explicit :443 is a served emulator too, though URL parsing drops https's default port", () => {
    expect(endpointFor("https://demo.vault.localhost:443").transport).toBe("served");
    expect(endpointFor("https://h.managedhsm.localhost:443/").transport).toBe("served");
    expect(endpointFor("https://demo.vault.localhost/keys/k:443").transport).toBe("embedded");
  });

  test("with the served emulator on 443, a port-less local URL (az's --id form) goes to it", () => {
    expect(servedVaultUrl("https://demo.vault.localhost", "https://localhost:443")).toBe("https://demo.vault.localhost:443");
    expect(endpointFor(servedVaultUrl("https://h.managedhsm.localhost", "https://localhost:443")).transport).toBe("served");
    // Another port, no served emulator, or a URL that is not local: unchanged.
    expect(servedVaultUrl("https://demo.vault.localhost", "https://localhost:8443")).toBe("https://demo.vault.localhost");
    expect(servedVaultUrl("https://demo.vault.localhost", undefined)).toBe("https://demo.vault.localhost");
    expect(servedVaultUrl("https://demo.vault.localhost:9000", "https://localhost:443")).toBe("https://demo.vault.localhost:9000");
    expect(servedVaultUrl("https://prod.vault.azure.net", "https://localhost:443")).toBe("https://prod.vault.azure.net");
  });
});
