import { connect as tcpConnect, type Socket } from "node:net";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startEmulator, type ServedEmulator } from "../../src/emulator/server.js";
import { MAX_BODY_BYTES } from "../../src/emulator/http/pipeline.js";
import type { WireRequest, WireResponse } from "../../src/emulator/http/wire.js";
import { random, testSeed } from "../helpers/prng.js";
import { tempDataDir } from "../helpers/emulator.js";
import { describeRequest, request, seedEmulator, violation, type Seeded } from "../helpers/hostile.js";
import { patient } from "../helpers/patience.js";

// Hostile input over real HTTPS: what only a socket can do. Requests are written byte for byte on a
// TLS socket (so odd methods, raw NUL bytes and broken request lines reach the server as sent);
// whatever Node's HTTP parser refuses must come back in the service's error envelope too. Slow clients
// (slowloris: headers that never end, a body that never comes, a TLS handshake never started) are cut
// off by the server's timeouts, shortened through ServeOptions.timeouts on a second emulator of their
// own (short timeouts would also cut off well-behaved requests on a loaded machine). What proves the cut
// is that the server closed the socket (the test's own give-up is far longer), never how long it took;
// the shortened timeouts, too, grow with the machine's load.

const SEED = testSeed(0x68747470);
const SAMPLE = 150;
let home: { dir: string; cleanup: () => void };
let served: ServedEmulator;
let seeded: Seeded;

beforeAll(async () => {
  home = tempDataDir();
  served = await startEmulator({ dataDir: home.dir, port: 0, authMode: "strict" });
  // The same keys the handler fuzz uses, made through the served emulator's own handler.
  seeded = await seedEmulator(served.emulator);
}, patient(30_000));
afterAll(async () => {
  await served?.close();
  home?.cleanup();
});

interface RawAnswer {
  /** undefined when the server closed without answering. */
  status: number | undefined;
  headers: Record<string, string>;
  body: string;
  /** The server closed the connection (as opposed to the test giving up). */
  closed: boolean;
}

function secureSocket(servername = "fz.vault.localhost", server: ServedEmulator = served): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: "127.0.0.1", port: server.port, ca: server.caPem, servername }, () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Reads everything until the server closes (or patient(`giveUpMs`) passes), then parses one HTTP response. */
function collect(socket: Socket, giveUpMs: number): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let closed = false;
    const finish = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      const head = end < 0 ? text : text.slice(0, end);
      const [statusLine, ...lines] = head.split("\r\n");
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? "")?.[1];
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const body = end < 0 ? "" : Buffer.from(text.slice(end + 4), "latin1").toString("utf8");
      resolve({ status: status === undefined ? undefined : Number(status), headers, body, closed });
    };
    const timer = setTimeout(() => {
      socket.destroy();
      finish();
    }, patient(giveUpMs));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => {});
    socket.on("close", () => {
      closed = true;
      finish();
    });
  });
}

/** One request written as raw bytes (Connection: close), and the answer. */
async function sendRaw(text: string | Buffer, servername?: string, server: ServedEmulator = served): Promise<RawAnswer> {
  const socket = await secureSocket(servername, server);
  const answer = collect(socket, 15_000);
  socket.write(text);
  return answer;
}

function wire(req: WireRequest): Buffer {
  const url = (() => {
    try {
      const u = new URL(req.url);
      return { host: u.host, target: `${u.pathname}${u.search}` };
    } catch {
      return { host: "fz.vault.localhost", target: req.url.replace(/^https:\/\/[^/]*/, "") || "/" };
    }
  })();
  const body = req.body === undefined ? Buffer.alloc(0) : Buffer.from(req.body, "utf8");
  const headers: Record<string, string> = { host: url.host, ...Object.fromEntries(Object.entries(req.headers).filter((e): e is [string, string] => e[1] !== undefined)) };
  // Framing is the test's: the fuzzed content-length/transfer-encoding would only desynchronise it.
  delete headers["content-length"];
  delete headers["transfer-encoding"];
  headers["content-length"] = String(body.length);
  headers.connection = "close";
  const head = `${req.method} ${url.target} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join("\r\n")}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, "utf8"), body]);
}

/** The envelope rule for anything the socket answered: the handler's contract, or a parser-level 4xx in the same envelope. */
function socketViolation(req: WireRequest, answer: RawAnswer): string | undefined {
  if (answer.status === undefined) return `no answer (closed: ${answer.closed})`;
  const res: WireResponse = { status: answer.status, headers: answer.headers, body: answer.body };
  // A HEAD answer carries the headers of a GET, without the body.
  if (req.method === "HEAD") return answer.status >= 500 ? `status ${answer.status}` : undefined;
  return violation(req, res, seeded);
}

function envelope(answer: RawAnswer): { code: string; message: string } | undefined {
  try {
    const error = JSON.parse(answer.body).error;
    return typeof error?.code === "string" && typeof error?.message === "string" ? error : undefined;
  } catch {
    return undefined;
  }
}

describe("hostile requests over HTTPS", () => {
  test(`${SAMPLE} seeded malformed requests written raw on TLS sockets (seed ${SEED})`, async () => {
    const r = random(SEED);
    const failures: string[] = [];
    for (let i = 0; i < SAMPLE && failures.length < 10; i++) {
      const req = request(r, seeded);
      const answer = await sendRaw(wire(req));
      const problem = socketViolation(req, answer);
      if (problem) failures.push(`KVKEY_TEST_SEED=${SEED} request ${i}: ${problem}\n  request: ${describeRequest(req)}\n  answer: ${answer.status} ${answer.body.slice(0, 200)}`);
    }
    expect(failures, failures.join("\n")).toEqual([]);
  }, patient(60_000));

  test.each<[string, string]>([
    ["an unknown method", "FOO /keys?api-version=2025-07-01 HTTP/1.1\r\nHost: fz.vault.localhost\r\n\r\n"],
    ["a NUL byte in the request target", "GET /keys/a\u0000b?api-version=2025-07-01 HTTP/1.1\r\nHost: fz.vault.localhost\r\n\r\n"],
    ["a broken request line", "GET\r\n\r\n"],
    ["a header without a colon", "GET /keys HTTP/1.1\r\nHost: fz.vault.localhost\r\nbroken header\r\n\r\n"],
    ["headers over 16 KiB", `GET /keys HTTP/1.1\r\nHost: fz.vault.localhost\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`],
    ["a bad content-length", "POST /keys/k/create HTTP/1.1\r\nHost: fz.vault.localhost\r\nContent-Length: abc\r\n\r\n"],
    ["content-length and chunked together", "POST /keys/k/create HTTP/1.1\r\nHost: fz.vault.localhost\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"],
    ["a bad chunk size", "POST /keys/k/create HTTP/1.1\r\nHost: fz.vault.localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"],
    ["HTTP/2 preface on an HTTP/1 socket", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"],
    ["CONNECT", "CONNECT fz.vault.localhost:443 HTTP/1.1\r\nHost: fz.vault.localhost\r\n\r\n"],
  ])("%s: a 4xx in the service's error envelope, then the connection closes", async (_name, text) => {
    const answer = await sendRaw(text);
    expect(answer.status, answer.body).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.headers["content-type"]).toMatch(/^application\/json/);
    expect(envelope(answer), answer.body).toBeDefined();
    expect(answer.closed).toBe(true);
  });

  test.each<[string, string, number, string, string]>([
    ["no Host header (HTTP/1.1)", "GET /keys?api-version=2025-07-01 HTTP/1.1\r\n\r\n", 400, "BadRequest", "The request has no Host header (HTTP/1.1 requires one)."],
    ["two Host headers", "GET /keys?api-version=2025-07-01 HTTP/1.1\r\nHost: fz.vault.localhost\r\nHost: other.vault.localhost\r\n\r\n", 400, "BadRequest", "The request has more than one Host header."],
    ["two Host headers, same value, other case", "GET /keys?api-version=2025-07-01 HTTP/1.1\r\nHost: fz.vault.localhost\r\nHOST: fz.vault.localhost\r\n\r\n", 400, "BadRequest", "The request has more than one Host header."],
    ["an empty Host header", "GET /keys?api-version=2025-07-01 HTTP/1.1\r\nHost: \r\n\r\n", 400, "BadRequest", "The request's Host header is empty."],
    ["Expect other than 100-continue", "POST /keys/k/create?api-version=2025-07-01 HTTP/1.1\r\nHost: fz.vault.localhost\r\nExpect: 200-ok\r\nContent-Length: 2\r\n\r\n{}", 417, "ExpectationFailed", "The Expect header '200-ok' is not supported; only 100-continue is."],
  ])("%s: the error envelope, not an empty body (issue 18)", async (_name, text, status, code, message) => {
    const answer = await sendRaw(text);
    expect(answer.status, answer.body).toBe(status);
    expect(answer.headers["content-type"]).toMatch(/^application\/json/);
    expect(envelope(answer)).toEqual({ code, message });
    expect(answer.closed).toBe(true);
  });

  test("HTTP/1.0 may omit Host (the default vault answers); Expect: 100-continue is honoured", async () => {
    const old = await sendRaw("GET /keys?api-version=2025-07-01 HTTP/1.0\r\n\r\n");
    expect(envelope(old)?.code).toBe("NotFound"); // a bare host names no vault: the handler's own answer
    const token = served.emulator.issueToken("t", "https://vault.localhost").token;
    const socket = await secureSocket();
    const answer = collect(socket, 15_000);
    socket.write(`POST /keys/cont/create?api-version=2025-07-01 HTTP/1.1\r\nHost: fz.vault.localhost\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 12\r\nConnection: close\r\n\r\n`);
    await new Promise<void>((resolve) => socket.once("data", () => resolve())); // 100 Continue
    socket.write('{"kty":"EC"}');
    const res = await answer;
    expect(res.body).toMatch(/"kid":"https:\/\/fz\.vault\.localhost\/keys\/cont\//);
  });

  test("a body over 1 MiB sent chunked (no Content-Length) is refused with 413", async () => {
    const token = served.emulator.issueToken("t", "https://vault.localhost").token;
    const socket = await secureSocket();
    const answer = collect(socket, 10_000);
    socket.write(`POST /keys/big/create?api-version=2025-07-01 HTTP/1.1\r\nHost: fz.vault.localhost\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const chunk = "x".repeat(64 * 1024);
    for (let sent = 0; sent <= MAX_BODY_BYTES; sent += chunk.length) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    socket.write("0\r\n\r\n");
    const res = await answer;
    expect(res.status).toBe(413);
    expect(envelope(res)?.code).toBe("RequestBodyTooLarge");
  });
});

describe("slow clients are cut off", () => {
  let slowHome: { dir: string; cleanup: () => void };
  let slow: ServedEmulator;
  beforeAll(async () => {
    slowHome = tempDataDir();
    const timeouts = { headersMs: patient(600), requestMs: patient(1200), handshakeMs: patient(600), keepAliveMs: patient(1000) };
    slow = await startEmulator({ dataDir: slowHome.dir, port: 0, authMode: "strict", timeouts });
    slow.emulator.configureVault({ name: "fz", kind: "vault" });
  }, patient(30_000));
  afterAll(async () => {
    await slow?.close();
    slowHome?.cleanup();
  });

  test("headers that never end (slowloris): closed by the headers timeout", async () => {
    const socket = await secureSocket(undefined, slow);
    const answer = collect(socket, 15_000);
    socket.write("GET /keys?api-version=2025-07-01 HTTP/1.1\r\nHost: fz.vault.localhost\r\n");
    // Keep dripping header lines, slower than the timeout allows in total.
    const drip = setInterval(() => socket.writable && socket.write(`X-Drip-${Date.now()}: 1\r\n`), 100);
    const res = await answer;
    clearInterval(drip);
    expect(res.closed, "closed by the server, not by the test giving up").toBe(true);
    if (res.status !== undefined) {
      expect(res.status).toBe(408);
      expect(envelope(res)).toBeDefined();
    }
  });

  test("a body that never arrives: closed by the request timeout", async () => {
    const token = slow.emulator.issueToken("t", "https://vault.localhost").token;
    const socket = await secureSocket(undefined, slow);
    const answer = collect(socket, 15_000);
    socket.write(`POST /keys/slow/create?api-version=2025-07-01 HTTP/1.1\r\nHost: fz.vault.localhost\r\nAuthorization: Bearer ${token}\r\nContent-Length: 100\r\n\r\n{"kty":`);
    const res = await answer;
    expect(res.closed, "closed by the server, not by the test giving up").toBe(true);
    // Nothing was created from half a body.
    const check = await sendRaw(`GET /keys/slow?api-version=2025-07-01 HTTP/1.1\r\nHost: fz.vault.localhost\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`, undefined, slow);
    expect(check.status).toBe(404);
  });

  test("a TCP connection that never starts TLS: closed by the handshake timeout", async () => {
    const socket = tcpConnect({ host: "127.0.0.1", port: slow.port });
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    const res = await collect(socket, 15_000);
    expect(res.closed, "closed by the server, not by the test giving up").toBe(true);
  });

  test("the server still answers well-behaved clients afterwards", async () => {
    const token = slow.emulator.issueToken("t", "https://vault.localhost").token;
    const res = await sendRaw(`GET /keys?api-version=2025-07-01 HTTP/1.1\r\nHost: fz.vault.localhost\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`, undefined, slow);
    expect(res.status).toBe(200);
  });
});
