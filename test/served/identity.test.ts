import { afterAll, describe, expect, test } from "vitest";
import { DefaultAzureCredential } from "@azure/identity";
import { KeyClient } from "@azure/keyvault-keys";
import { startEmulator, type ServedEmulator } from "../../src/emulator/server.js";
import { agentHttpClient, servedAgent } from "../../src/vault-client/served.js";
import { tempDataDir } from "../helpers/emulator.js";

// An app that uses DefaultAzureCredential reaches the served emulator through its managed-identity
// endpoint, configured by IDENTITY_ENDPOINT and IDENTITY_HEADER alone, in both auth modes.

const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };
const cleanups: Array<() => void | Promise<void>> = [];

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  process.env.IDENTITY_ENDPOINT = saved.endpoint;
  process.env.IDENTITY_HEADER = saved.header;
  if (saved.endpoint === undefined) delete process.env.IDENTITY_ENDPOINT;
  if (saved.header === undefined) delete process.env.IDENTITY_HEADER;
});

async function serve(authMode: "any" | "strict"): Promise<ServedEmulator> {
  const home = tempDataDir();
  const served = await startEmulator({ dataDir: home.dir, port: 0, authMode });
  cleanups.push(() => home.cleanup(), () => served.close());
  return served;
}

function appClient(served: ServedEmulator, vault: string, credential: ConstructorParameters<typeof KeyClient>[1]): KeyClient {
  return new KeyClient(`https://${vault}.vault.localhost:${served.port}`, credential, {
    httpClient: agentHttpClient(servedAgent(served.caPem)),
    retryOptions: { maxRetries: 0 },
  });
}

function managedIdentity(served: ServedEmulator, header: string): DefaultAzureCredential {
  process.env.IDENTITY_ENDPOINT = `${served.url}/msi/token`;
  process.env.IDENTITY_HEADER = header;
  return new DefaultAzureCredential({
    httpClient: agentHttpClient(servedAgent(served.caPem)),
  });
}

describe("DefaultAzureCredential through the token endpoint", () => {
  test("strict mode: the identity header is checked and the token works for the vault", async () => {
    const served = await serve("strict");
    const client = appClient(served, "app", managedIdentity(served, served.emulator.identityHeader));
    const key = await client.createEcKey("from-app", { curve: "P-256" });
    expect(key.properties.vaultUrl).toBe(`https://app.vault.localhost:${served.port}`);
    expect((await client.getKey("from-app")).id).toBe(key.id);
  });

  test("strict mode: a wrong identity header yields no token, and a foreign token is refused with 401", async () => {
    const served = await serve("strict");
    const wrongHeader = appClient(served, "app", managedIdentity(served, "not-the-header"));
    await expect(wrongHeader.getKey("x")).rejects.toThrow();
    const foreign = appClient(served, "app", { getToken: async () => ({ token: "eyJ.not.ours", expiresOnTimestamp: Date.now() + 60_000 }) });
    await expect(foreign.getKey("x")).rejects.toMatchObject({ statusCode: 401 });
  });

  test("strict mode: a token for another resource is refused", async () => {
    const served = await serve("strict");
    const wrongAudience = appClient(served, "app", { getToken: async () => served.emulator.issueToken("app", "https://vault.azure.net") });
    await expect(wrongAudience.getKey("x")).rejects.toMatchObject({ statusCode: 401 });
  });

  test("any mode: any bearer token is accepted, and the managed identity works too", async () => {
    const served = await serve("any");
    const foreign = appClient(served, "any", { getToken: async () => ({ token: "anything", expiresOnTimestamp: Date.now() + 60_000 }) });
    await foreign.createRsaKey("k");
    const viaIdentity = appClient(served, "any", managedIdentity(served, "whatever"));
    expect((await viaIdentity.getKey("k")).name).toBe("k");
  });
});
