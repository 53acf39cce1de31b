import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { KeyClient } from "@azure/keyvault-keys";
import { startEmulator, type ServedEmulator } from "../../src/emulator/server.js";
import { agentHttpClient, servedAgent } from "../../src/vault-client/served.js";
import { tempDataDir } from "../helpers/emulator.js";

// The served emulator over real HTTPS, trusting only the CA it generated.

let home: { dir: string; cleanup: () => void };
let served: ServedEmulator;

beforeAll(async () => {
  home = tempDataDir();
  served = await startEmulator({ dataDir: home.dir, port: 0 });
});
afterAll(async () => {
  await served?.close();
  home.cleanup();
});

function client(vault: string): KeyClient {
  const agent = servedAgent(served.caPem);
  const credential = { getToken: async () => served.emulator.issueToken() };
  return new KeyClient(`https://${vault}.vault.localhost:${served.port}`, credential, {
    httpClient: agentHttpClient(agent),
    retryOptions: { maxRetries: 0 },
  });
}

describe("startEmulator", () => {
  test("binds loopback on a free port and writes its CA into the data directory", () => {
    expect(served.host).toBe("127.0.0.1");
    expect(served.port).toBeGreaterThan(0);
    expect(served.caPath).toBe(join(home.dir, "tls", "ca.pem"));
  });

  test("the real SDK creates and reads keys over HTTPS, with kids that carry the port", async () => {
    const c = client("served");
    const created = await c.createEcKey("k", { curve: "P-256" });
    expect(created.id).toMatch(new RegExp(`^https://served\\.vault\\.localhost:${served.port}/keys/k/[0-9a-f]{32}$`));
    const read = await c.getKey("k");
    expect(read.key?.x).toEqual(created.key?.x);
  });

  test("a client that does not trust the CA is refused by TLS", async () => {
    const c = new KeyClient(`https://x.vault.localhost:${served.port}`, { getToken: async () => served.emulator.issueToken() }, {
      httpClient: agentHttpClient(servedAgent("")),
      retryOptions: { maxRetries: 0 },
    });
    await expect(c.getKey("k")).rejects.toThrow(/certificate/i);
  });

  test("curl with only the CA file walks the challenge by hand, then creates and reads a key (--auth strict)", async () => {
    const run = promisify(execFile);
    // Its own emulator in strict mode, so the token curl fetches is really checked.
    const strictHome = tempDataDir();
    const served = await startEmulator({ dataDir: strictHome.dir, port: 0, authMode: "strict" });
    try {
      const resolve = ["--resolve", `curlvault.vault.localhost:${served.port}:127.0.0.1`];
      const base = `https://curlvault.vault.localhost:${served.port}`;
      const ca = ["--cacert", served.caPath!];
      const challenge = await run("curl", ["-s", "-i", ...ca, ...resolve, `${base}/keys?api-version=2025-07-01`]);
      expect(challenge.stdout).toMatch(/^HTTP\/1\.1 401/);
      expect(challenge.stdout).toMatch(new RegExp(`www-authenticate: Bearer authorization="[^"]+", resource="https://vault\\.localhost:${served.port}"`, "i"));

      // The token, too, comes by hand: from the managed-identity endpoint, for the resource the challenge
      // named (the identity header is what `kvkey emulator status` shows).
      const resource = /resource="([^"]+)"/.exec(challenge.stdout)![1]!;
      const issued = await run("curl", [
        "-s", "-f", ...ca, "-H", `X-IDENTITY-HEADER: ${served.emulator.identityHeader}`,
        `https://localhost:${served.port}/msi/token?api-version=2019-08-01&resource=${encodeURIComponent(resource)}`,
      ]);
      const token = JSON.parse(issued.stdout).access_token as string;
      const body = join(strictHome.dir, "create.json");
      writeFileSync(body, JSON.stringify({ kty: "EC", crv: "P-384" }));
      const auth = ["-H", `Authorization: Bearer ${token}`, "-H", "Content-Type: application/json"];
      const created = await run("curl", ["-s", "-f", ...ca, ...resolve, ...auth, "-X", "POST", "--data-binary", `@${body}`, `${base}/keys/viacurl/create?api-version=2025-07-01`]);
      const bundle = JSON.parse(created.stdout);
      expect(bundle.key).toMatchObject({ kty: "EC", crv: "P-384" });
      const read = await run("curl", ["-s", "-f", ...ca, ...resolve, ...auth, `${base}/keys/viacurl?api-version=2025-07-01`]);
      expect(JSON.parse(read.stdout).key.kid).toBe(bundle.key.kid);
      // With any other token the same read is refused.
      const forged = await run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", ...ca, ...resolve, "-H", "Authorization: Bearer forged.token.here", `${base}/keys/viacurl?api-version=2025-07-01`]);
      expect(forged.stdout).toBe("401");
    } finally {
      await served.close();
      strictHome.cleanup();
    }
  });

  test("a body over 1 MiB is refused with 413 and the service-style envelope", async () => {
    const run = promisify(execFile);
    const big = join(home.dir, "big.json");
    writeFileSync(big, JSON.stringify({ kty: "EC", pad: "x".repeat(1024 * 1024 + 10) }));
    const token = served.emulator.issueToken().token;
    const out = await run("curl", [
      "-s", "-i", "--cacert", served.caPath!, "--resolve", `big.vault.localhost:${served.port}:127.0.0.1`,
      "-H", `Authorization: Bearer ${token}`, "-H", "Expect:", "-X", "POST", "--data-binary", `@${big}`,
      `https://big.vault.localhost:${served.port}/keys/big/create?api-version=2025-07-01`,
    ]);
    expect(out.stdout).toMatch(/^HTTP\/1\.1 413/);
    expect(out.stdout).toMatch(/"error":\{"code":"RequestBodyTooLarge"/);
  });
});
