import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KeyClient } from "@azure/keyvault-keys";
import { createEmulator, type Emulator } from "../../src/emulator/index.js";
import { embeddedConnection } from "../../src/vault-client/embedded.js";
import { API, raw } from "../helpers/emulator.js";

// The in-process HttpClient and its credential come as a pair: the client serves only *.localhost, and
// the credential's tokens are good only for the emulator that made them.

let emulator: Emulator;
beforeEach(() => {
  emulator = createEmulator({ inMemory: true });
});
afterEach(() => emulator.close());

describe("embeddedConnection", () => {
  it("refuses to carry a request for a host outside *.localhost", async () => {
    const { httpClient, credential } = embeddedConnection(emulator);
    const azure = new KeyClient("https://real.vault.azure.net", credential, { httpClient, retryOptions: { maxRetries: 0 } });
    await expect(azure.getKey("k")).rejects.toThrow(/only serves \*\.localhost/);
  });

  it("issues tokens that only its own emulator accepts", async () => {
    const { credential } = embeddedConnection(emulator);
    const token = (await credential.getToken("https://vault.localhost/.default"))!.token;
    const own = await raw(emulator, { method: "POST", url: `https://e.vault.localhost/keys/k/create?${API}`, body: { kty: "EC" }, token });
    expect(own.status).toBe(200);
    const other = createEmulator({ inMemory: true });
    try {
      const res = await raw(other, { method: "GET", url: `https://e.vault.localhost/keys?${API}`, token });
      expect(res.status).toBe(401);
    } finally {
      other.close();
    }
  });

  it("drives the whole challenge handshake: the SDK's first, token-less request gets the 401 and is retried", async () => {
    const { httpClient, credential } = embeddedConnection(emulator);
    const statuses: number[] = [];
    const client = new KeyClient("https://e.vault.localhost", credential, {
      httpClient: {
        async sendRequest(request) {
          const response = await httpClient.sendRequest(request);
          statuses.push(response.status);
          return response;
        },
      },
    });
    await client.createEcKey("k", { curve: "P-256" });
    await client.getKey("k");
    // One challenge for the client's first request, then straight through with the cached token.
    expect(statuses).toEqual([401, 200, 200]);
  });
});
