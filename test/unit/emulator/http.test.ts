import { describe, expect, it } from "vitest";
import { route } from "../../../src/emulator/http/router.js";
import { checkApiVersion } from "../../../src/emulator/http/api-version.js";
import { addressRequest, challengeResource } from "../../../src/emulator/http/host.js";
import { VaultError } from "../../../src/emulator/domain/errors.js";

// The wire layer's pure parts: routing (with the SDK's empty-segment paths), api-version checks and
// the Host-header addressing that decides the vault and the challenge resource.

function routeError(method: string, path: string): string {
  try {
    route(method, path);
  } catch (err) {
    if (err instanceof VaultError) return err.code;
    throw err;
  }
  throw new Error(`${method} ${path} routed`);
}

describe("route", () => {
  it("reads an empty version segment as the latest version", () => {
    expect(route("GET", "/keys/k/")).toEqual({ op: "getKey", name: "k" });
    expect(route("GET", "/keys/k")).toEqual({ op: "getKey", name: "k" });
    expect(route("PATCH", "/keys/k/")).toEqual({ op: "updateKey", name: "k" });
    expect(route("GET", "/keys/k/0123456789abcdef0123456789abcdef")).toEqual({
      op: "getKey",
      name: "k",
      version: "0123456789abcdef0123456789abcdef",
    });
  });

  it("routes the double-slash key operation paths to the latest version", () => {
    for (const operation of ["encrypt", "decrypt", "wrapkey", "unwrapkey", "sign", "verify"]) {
      expect(route("POST", `/keys/k//${operation}`)).toEqual({ op: "keyOperation", name: "k", operation });
    }
    expect(route("POST", "/keys/k/abc/wrapkey")).toEqual({ op: "keyOperation", name: "k", version: "abc", operation: "wrapkey" });
    // The SDK's own capitalisation, and a trailing slash.
    expect(route("POST", "/keys/k//wrapKey")).toEqual({ op: "keyOperation", name: "k", operation: "wrapkey" });
    expect(route("POST", "/keys/k//sign/")).toEqual({ op: "keyOperation", name: "k", operation: "sign" });
  });

  it("lets literal segments win over a version only for the method that owns them", () => {
    expect(route("POST", "/keys/k/create")).toEqual({ op: "createKey", name: "k" });
    expect(route("POST", "/keys/k/backup")).toEqual({ op: "backupKey", name: "k" });
    expect(route("POST", "/keys/restore")).toEqual({ op: "restoreKey" });
    expect(route("GET", "/keys/k/versions")).toEqual({ op: "listKeyVersions", name: "k" });
    expect(route("GET", "/keys/k/versions/")).toEqual({ op: "listKeyVersions", name: "k" });
    expect(route("GET", "/keys/restore")).toEqual({ op: "getKey", name: "restore" });
    expect(route("GET", "/keys/k/backup")).toEqual({ op: "getKey", name: "k", version: "backup" });
  });

  it("routes the collections and the deleted-key operations, with or without a trailing slash", () => {
    expect(route("GET", "/keys")).toEqual({ op: "listKeys" });
    expect(route("GET", "/keys/")).toEqual({ op: "listKeys" });
    expect(route("PUT", "/keys/k")).toEqual({ op: "importKey", name: "k" });
    expect(route("DELETE", "/keys/k")).toEqual({ op: "deleteKey", name: "k" });
    expect(route("GET", "/deletedkeys")).toEqual({ op: "listDeletedKeys" });
    expect(route("GET", "/deletedkeys/k")).toEqual({ op: "getDeletedKey", name: "k" });
    expect(route("GET", "/deletedkeys/k/")).toEqual({ op: "getDeletedKey", name: "k" });
    expect(route("DELETE", "/deletedkeys/k")).toEqual({ op: "purgeDeletedKey", name: "k" });
    expect(route("POST", "/deletedkeys/k/recover")).toEqual({ op: "recoverDeletedKey", name: "k" });
  });

  it("decodes percent-encoded name segments", () => {
    expect(route("GET", "/keys/my%2Dkey/")).toEqual({ op: "getKey", name: "my-key" });
  });

  it("answers unknown paths with NotFound and known paths with the wrong method with MethodNotAllowed", () => {
    expect(routeError("GET", "/secrets/s")).toBe("NotFound");
    expect(routeError("GET", "/keys/k/v/encrypt/extra")).toBe("NotFound");
    expect(routeError("GET", "/keys//")).toBe("NotFound");
    expect(routeError("GET", "/keys/%E0%A4%A")).toBe("NotFound");
    expect(routeError("DELETE", "/keys")).toBe("MethodNotAllowed");
    expect(routeError("GET", "/keys/k//encrypt")).toBe("MethodNotAllowed");
    expect(routeError("PUT", "/keys/k/create")).toBe("MethodNotAllowed");
  });
});

describe("checkApiVersion", () => {
  const q = (s: string) => new URL(`https://v.vault.localhost/keys?${s}`).searchParams;

  it("accepts the published versions, previews included, in either spelling of the key", () => {
    for (const v of ["7.0", "7.1", "7.2", "7.3", "7.4", "7.4-preview.1", "7.5", "7.6", "7.6-preview.2", "2025-07-01"]) {
      expect(checkApiVersion(q(`api-version=${v}`))).toBe(v);
    }
    expect(checkApiVersion(q("api%2Dversion=7.5"))).toBe("7.5");
  });

  it("refuses unknown and missing versions with BadParameter and the service's wording", () => {
    expect(() => checkApiVersion(q("api-version=7.9"))).toThrow(
      "The specified version (7.9) is not recognized. Consider using the latest supported version (2025-07-01).",
    );
    for (const query of ["", "api-version=", "apiversion=7.5"]) {
      let caught: unknown;
      try {
        checkApiVersion(q(query));
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(VaultError);
      expect((caught as VaultError).code).toBe("BadParameter");
    }
  });
});

describe("addressRequest and challengeResource", () => {
  const address = (url: string, host?: string, withDefault = false) =>
    addressRequest(new URL(url), host, withDefault ? { name: "default", kind: "vault" } : undefined);

  it("chooses the container from the Host header, never from the path", () => {
    expect(address("https://demo.vault.localhost/keys/other.vault.localhost")).toMatchObject({
      target: { name: "demo", kind: "vault" },
      baseUrl: "https://demo.vault.localhost",
    });
    expect(address("https://x.vault.localhost/keys", "pool.managedhsm.localhost:8443")).toMatchObject({
      target: { name: "pool", kind: "managedhsm" },
      baseUrl: "https://pool.managedhsm.localhost:8443",
    });
    expect(address("https://Demo.Vault.LocalHost/keys")?.target).toEqual({ name: "demo", kind: "vault" });
  });

  it("maps a bare localhost or IP host to the default container only when one is configured", () => {
    expect(address("https://localhost:8443/keys")).toBeUndefined();
    expect(address("https://localhost:8443/keys", undefined, true)?.target).toEqual({ name: "default", kind: "vault" });
    expect(address("https://127.0.0.1:8443/keys", undefined, true)?.target).toEqual({ name: "default", kind: "vault" });
    expect(address("https://example.com/keys", undefined, true)).toBeUndefined();
  });

  it("names the parent domain as the resource, keeping the port", () => {
    expect(challengeResource(address("https://demo.vault.localhost/keys")!)).toBe("https://vault.localhost");
    expect(challengeResource(address("https://demo.managedhsm.localhost/keys")!)).toBe("https://managedhsm.localhost");
    expect(challengeResource(address("https://demo.vault.localhost:8443/keys", "demo.vault.localhost:8443")!)).toBe(
      "https://vault.localhost:8443",
    );
  });

  it("names a bare localhost or IP host itself rather than cutting a label off it", () => {
    expect(challengeResource(address("https://127.0.0.1:8443/keys", undefined, true)!)).toBe("https://127.0.0.1:8443");
    expect(challengeResource(address("https://localhost:8443/keys", undefined, true)!)).toBe("https://localhost:8443");
  });
});
