import { afterEach, describe, expect, test } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { join } from "node:path";
import type { Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { KeyClient } from "@azure/keyvault-keys";
import { startEmulator, type ServedEmulator } from "../../src/emulator/server.js";
import { runCli } from "../../src/cli/run.js";
import { bufferedIO } from "../../src/io/streams.js";
import { agentHttpClient, servedAgent } from "../../src/vault-client/served.js";
import { tempDataDir } from "../helpers/emulator.js";
import { eventually } from "../helpers/patience.js";
import { interruptibleIO } from "../helpers/cli.js";

// The served emulator as a long-running server in one process: `kvkey emulator start` in the
// foreground until Ctrl-C, the default vault for clients that cannot resolve *.localhost, many
// keep-alive clients at once, idle connections closed, and a graceful close() that finishes what is
// in flight.

const API = "api-version=2025-07-01";
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(options: Parameters<typeof startEmulator>[0] = {}): Promise<ServedEmulator> {
  const home = tempDataDir();
  const served = await startEmulator({ dataDir: home.dir, port: 0, ...options });
  cleanups.push(() => home.cleanup(), () => served.close());
  return served;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: any;
  socket: Socket;
}

/** One HTTPS request to 127.0.0.1 with the given Host header, trusting only the emulator's CA. */
function call(
  served: ServedEmulator,
  o: { method: string; host: string; path: string; body?: unknown; rawBody?: string; token?: string; agent?: Agent },
): Promise<Answer> {
  const text = o.rawBody ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: served.port,
        servername: o.host.replace(/:\d+$/, "").replace(/^(127\.0\.0\.1|localhost)$/, "localhost"),
        ca: served.caPem,
        agent: o.agent ?? false,
        method: o.method,
        path: o.path,
        headers: {
          host: o.host,
          ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
          ...(text ? { "content-type": "application/json", "content-length": Buffer.byteLength(text) } : {}),
        },
      },
      (res) => {
        let data = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (data += d));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, json: data ? JSON.parse(data) : undefined, socket }));
      },
    );
    // The response's own socket reference is gone once a keep-alive agent takes the socket back.
    let socket!: Socket;
    req.on("socket", (s) => (socket = s as Socket));
    req.on("error", reject);
    req.end(text);
  });
}

const until = (check: () => boolean, what: string, ms = 15_000) => eventually(check, what, ms);

describe("kvkey emulator start in the foreground", () => {
  test("serves until Ctrl-C, then stops cleanly: exit 0, emulator.json removed, the port closed", async () => {
    const home = tempDataDir();
    cleanups.push(() => home.cleanup());
    const io = interruptibleIO(home.dir);
    const running = runCli(["emulator", "start", "--port", "0", "--workers", "1"], io);
    const stateFile = join(home.dir, "emulator.json");
    await until(() => existsSync(stateFile) && io.listening(), "the emulator to listen");
    const state = JSON.parse(readFileSync(stateFile, "utf8"));
    expect(state).toMatchObject({ pid: process.pid, host: "127.0.0.1", auth: "any", caPath: join(home.dir, "tls", "ca.pem") });
    expect(io.err()).toMatch(new RegExp(`listening on 127\\.0\\.0\\.1:${state.port}.*Ctrl-C to stop`));

    // `kvkey emulator ca` prints the CA's path (the PEM with --pem); the server presents a chain to it.
    const caIo = bufferedIO({ env: { KVKEY_HOME: home.dir } });
    expect(await runCli(["emulator", "ca", "-o", "tsv"], caIo)).toBe(0);
    expect(caIo.out()).toBe(`${state.caPath}\n`);
    const client = () =>
      new KeyClient(`https://fg.vault.localhost:${state.port}`, { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 60_000 }) }, {
        httpClient: agentHttpClient(servedAgent(readFileSync(state.caPath, "utf8"))),
        retryOptions: { maxRetries: 0 },
      });
    expect((await client().createEcKey("k", { curve: "P-256" })).name).toBe("k");

    io.interrupt();
    expect(await running).toBe(0);
    expect(io.out()).toBe("");
    expect(existsSync(stateFile)).toBe(false);
    await expect(client().getKey("k")).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });
});

describe("startEmulator({ inMemory: true })", () => {
  test("serves with an ephemeral CA and writes nothing to disk", async () => {
    const served = await startEmulator({ inMemory: true, port: 0 });
    cleanups.push(() => served.close());
    expect(served.caPath).toBeUndefined();
    expect(served.emulator.dataDir).toBeUndefined();
    expect(served.url).toBe(`https://localhost:${served.port}`);
    const client = new KeyClient(`https://mem.vault.localhost:${served.port}`, { getToken: async () => served.emulator.issueToken() }, {
      httpClient: agentHttpClient(servedAgent(served.caPem)),
      retryOptions: { maxRetries: 0 },
    });
    const created = await client.createEcKey("k", { curve: "P-256" });
    expect((await client.getKey("k")).id).toBe(created.id);
  });
});

describe("the default vault", () => {
  test("a bare 127.0.0.1 or localhost host reaches the configured default vault; the challenge names that host", async () => {
    const served = await serve({ defaultVault: { name: "dflt", kind: "vault" } });
    const bare = `127.0.0.1:${served.port}`;
    const challenge = await call(served, { method: "GET", host: bare, path: `/keys?${API}` });
    expect(challenge.status).toBe(401);
    expect(challenge.headers["www-authenticate"]).toContain(`resource="https://${bare}"`);

    const created = await call(served, { method: "POST", host: bare, path: `/keys/k/create?${API}`, body: { kty: "EC" }, token: "any" });
    expect(created.status).toBe(200);
    expect(created.json.key.kid).toMatch(new RegExp(`^https://127\\.0\\.0\\.1:${served.port}/keys/k/[0-9a-f]{32}$`));
    // The same vault by its name, and by `localhost`.
    const version = created.json.key.kid.split("/").pop();
    const named = await call(served, { method: "GET", host: `dflt.vault.localhost:${served.port}`, path: `/keys/k?${API}`, token: "any" });
    expect(named.json.key.kid).toBe(`https://dflt.vault.localhost:${served.port}/keys/k/${version}`);
    const local = await call(served, { method: "GET", host: `localhost:${served.port}`, path: `/keys/k?${API}`, token: "any" });
    expect(local.json.key.kid).toBe(`https://localhost:${served.port}/keys/k/${version}`);
  });

  test("without one configured, a bare host names no vault: 404 in the error envelope", async () => {
    const served = await serve();
    const res = await call(served, { method: "GET", host: `127.0.0.1:${served.port}`, path: `/keys?${API}`, token: "any" });
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe("NotFound");
  });
});

describe("connections", () => {
  test("many concurrent keep-alive clients are all served, each over its one reused connection", async () => {
    const served = await serve();
    const host = `ka.vault.localhost:${served.port}`;
    expect((await call(served, { method: "POST", host, path: `/keys/k/create?${API}`, body: { kty: "EC" }, token: "any" })).status).toBe(200);

    const CLIENTS = 48;
    const PER_CLIENT = 6;
    const agents = Array.from({ length: CLIENTS }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
    cleanups.push(() => agents.forEach((a) => a.destroy()));
    const sockets = new Set<Socket>();
    const statuses = await Promise.all(
      agents.map(async (agent) => {
        const seen: number[] = [];
        for (let i = 0; i < PER_CLIENT; i++) {
          const body = { alg: "ES256", value: Buffer.alloc(32, i).toString("base64url") };
          const res = await call(served, { method: "POST", host, path: `/keys/k//sign?${API}`, body, token: "any", agent });
          sockets.add(res.socket);
          seen.push(res.status);
        }
        return seen;
      }),
    );
    expect(statuses.flat()).toEqual(Array(CLIENTS * PER_CLIENT).fill(200));
    // The server kept every connection open between requests: one socket per client, not per request.
    expect(sockets.size).toBe(CLIENTS);
  });

  test("an idle keep-alive connection is closed by the server after keepAliveMs", async () => {
    const served = await serve({ timeouts: { keepAliveMs: 400 } });
    // A raw TLS socket that never closes by itself (an Agent would apply its own idle timeout).
    const socket = tlsConnect({ host: "127.0.0.1", port: served.port, servername: "idle.vault.localhost", ca: served.caPem });
    cleanups.push(() => socket.destroy());
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => (received += d));
    const closed = new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now())));
    await new Promise<void>((resolve, reject) => socket.once("secureConnect", resolve).once("error", reject));
    socket.write(`GET /keys?${API} HTTP/1.1\r\nHost: idle.vault.localhost:${served.port}\r\nAuthorization: Bearer any\r\n\r\n`);
    await until(() => received.includes("\r\n\r\n"), "the response");
    const answered = Date.now();
    expect(received).toMatch(/^HTTP\/1\.1 404 /);
    expect(received).toMatch(/\r\nconnection: keep-alive\r\n/i);
    // The socket never closes by itself: that it closes at all is the server's keep-alive timeout. Not
    // before the timeout (a lower bound holds on any machine); how much later is the machine's business.
    const closedAt = await closed;
    expect(closedAt - answered).toBeGreaterThanOrEqual(300);
  });

  test("a body that is not JSON is 400 BadParameter in the service's envelope, and the connection stays usable", async () => {
    const served = await serve();
    const host = `json.vault.localhost:${served.port}`;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => agent.destroy());
    const bad = await call(served, { method: "POST", host, path: `/keys/k/create?${API}`, rawBody: '{"kty": "EC",', token: "any", agent });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ error: { code: "BadParameter", message: "The request body is not valid JSON." } });
    const good = await call(served, { method: "POST", host, path: `/keys/k/create?${API}`, body: { kty: "EC" }, token: "any", agent });
    expect(good.status).toBe(200);
  });

  test("close() lets a request in flight finish with its answer, then refuses new connections", async () => {
    const served = await serve();
    const host = `slow.vault.localhost:${served.port}`;
    // Know for certain the request is being handled before close() is called.
    let arrived!: () => void;
    const inHandler = new Promise<void>((r) => (arrived = r));
    const handle = served.emulator.handle;
    served.emulator.handle = (req) => {
      if (req.url.includes("/create")) arrived();
      return handle(req);
    };
    const slow = call(served, { method: "POST", host, path: `/keys/big/create?${API}`, body: { kty: "RSA", key_size: 4096 }, token: "any" });
    await inHandler;
    await served.close();
    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(answer.json.key.kty).toBe("RSA");
    await expect(call(served, { method: "GET", host, path: `/keys?${API}`, token: "any" })).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });
});
