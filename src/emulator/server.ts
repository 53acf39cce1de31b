import cluster, { type Worker } from "node:cluster";
import { createServer as createNetServer } from "node:net";
import { createServer, type Server } from "node:https";
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { AddressInfo, Socket } from "node:net";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createEmulator, type Emulator, type EmulatorOptions } from "./index.js";
import { ensureTlsMaterial, ephemeralTlsMaterial } from "./tls/local-ca.js";
import { bodyLimitFor } from "./http/body-limits.js";
import type { WireRequest } from "./http/wire.js";
import type { AuthMode } from "./http/auth.js";
import type { VaultTarget } from "./service/key-service.js";
import { packageRoot } from "../shared/package-root.js";

// The served emulator: the same handler the embedded vault uses, behind HTTPS on loopback.
//
// With `workers` > 1 it serves from that many processes (node:cluster, round-robin over connections),
// all on the one data directory: SQLite in WAL mode lets them read concurrently and queues their
// writes, every request reads the state it acts on from the database, and each worker's cache of
// unsealed key material is keyed by the sealed bytes it read (service/material-cache.ts), so a write
// made through one worker is seen by the next request on any other. This process stays the primary:
// it prepares the data directory, forks the workers, replaces one that dies, and stops them gracefully.

export interface ServeOptions extends EmulatorOptions {
  /** 0 picks a free port (tests). Default 8443. */
  port?: number;
  /** Default 127.0.0.1: the emulator is reachable from other machines only when asked. */
  host?: string;
  /**
   * Processes serving requests. Default 1: this process serves. More than 1 forks worker processes
   * (node:cluster) that share the port and the data directory, so the emulator uses more than one
   * core; it needs a dataDir (in-memory state lives in one process) and the system clock (a clock
   * object cannot cross processes).
   */
  workers?: number;
  /** How long slow clients may take (tests shorten them); see ServeTimeouts for the defaults. */
  timeouts?: Partial<ServeTimeouts>;
}

/** Slow or stalled clients must not hold sockets forever: each phase of a connection has a limit (ms). */
export interface ServeTimeouts {
  /** The TLS handshake, from the TCP connection on. Default 10 s. */
  handshakeMs: number;
  /** The request line and headers. Default 15 s. */
  headersMs: number;
  /** The whole request, body included. Default 60 s. */
  requestMs: number;
  /** An idle keep-alive connection. Default 30 s. */
  keepAliveMs: number;
}

export interface ServedEmulator {
  /** `https://localhost:{port}`; vaults are `https://{name}.vault.localhost:{port}`. */
  url: string;
  port: number;
  host: string;
  /** The CA certificate clients must trust (PEM), and its file when the emulator has a data directory. */
  caPem: string;
  caPath: string | undefined;
  /**
   * The emulator over the same state. With one worker it is the one serving requests; with more, a
   * handle on the same data directory in this process (requests are served by the workers).
   */
  emulator: Emulator;
  /** How many processes serve requests. */
  workers: number;
  /** Stops accepting connections, lets in-flight requests finish (in every worker), then closes the store. */
  close(): Promise<void>;
}

const DEFAULT_TIMEOUTS: ServeTimeouts = { handshakeMs: 10_000, headersMs: 15_000, requestMs: 60_000, keepAliveMs: 30_000 };
/** Automatic key rotation also runs with no requests coming in (service/rotation-service.ts). */
const ROTATION_CHECK_MS = 60_000;

/** How long a worker may take to start listening. */
const WORKER_START_TIMEOUT_MS = 30_000;
/** A worker that dies is replaced, but not forever: a crash loop stops being restarted. */
const MAX_WORKER_RESTARTS = 10;

export async function startEmulator(options: ServeOptions): Promise<ServedEmulator> {
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be a whole number of at least 1; it is ${workers}`);
  if (workers > 1 && !options.dataDir) {
    throw new Error("workers > 1 needs a dataDir: in-memory state lives in one process and cannot be shared");
  }
  if (workers > 1 && options.clock) throw new Error("workers > 1 needs the system clock: a clock object cannot be shared between processes");

  const tls = options.dataDir ? await ensureTlsMaterial(options.dataDir) : { ...(await ephemeralTlsMaterial()), caPath: undefined };
  // Served, the emulator meets clients it did not configure: any bearer token by default (as other
  // emulators do), and the managed-identity endpoint for DefaultAzureCredential.
  const emulatorOptions: EmulatorOptions = { authMode: "any", identityEndpoint: true, onInternalError: logInternalError, ...options };
  // With workers, this one also prepares the data directory (schema, security domain) before they start.
  const emulator = createEmulator(emulatorOptions);
  const rotationTimer = setInterval(() => void emulator.rotateDueKeys().catch(() => undefined), ROTATION_CHECK_MS).unref();
  // Key events that fall due with no request coming in, and webhook deliveries (retries, and events the
  // workers raise): every second, in this process only; emulator.close() stops it (docs/monitoring.md).
  emulator.events.startBackground();
  const host = options.host ?? "127.0.0.1";
  const timeouts: ServeTimeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const described = (port: number, close: () => Promise<void>): ServedEmulator => ({
    url: `https://localhost:${port}`,
    port,
    host,
    caPem: tls.caPem,
    caPath: tls.caPath,
    emulator,
    workers,
    close,
  });

  if (workers === 1) {
    let listener: Listener;
    try {
      listener = await listen(emulator, tls, options.port ?? 8443, host, timeouts);
    } catch (err) {
      clearInterval(rotationTimer);
      emulator.close();
      throw err;
    }
    let closing: Promise<void> | undefined;
    return described(listener.port, () => {
      closing ??= listener.close().finally(() => (clearInterval(rotationTimer), emulator.close()));
      return closing;
    });
  }

  try {
    const requested = options.port ?? 8443;
    for (let attempt = 1; ; attempt++) {
      const workerOptions: WorkerOptions = {
        dataDir: options.dataDir!,
        host,
        // Workers must all listen on the same concrete port: cluster shares a listening socket by
        // address and port, so two clustered emulators asking for port 0 would otherwise share one.
        port: await freePort(host, requested),
        authMode: emulatorOptions.authMode ?? "any",
        identityEndpoint: emulatorOptions.identityEndpoint ?? false,
        ...(options.defaultVault ? { defaultVault: options.defaultVault } : {}),
        keyPem: tls.keyPem,
        certPem: tls.certPem,
        timeouts,
      };
      try {
        const pool = await startWorkers(workers, workerOptions);
        let closing: Promise<void> | undefined;
        return described(workerOptions.port, () => {
          closing ??= pool.close().finally(() => (clearInterval(rotationTimer), emulator.close()));
          return closing;
        });
      } catch (err) {
        // A free port picked for us can be taken by another program before the workers bind it: pick again.
        if (requested !== 0 || attempt >= 3 || !/EADDRINUSE/.test(String(err))) throw err;
      }
    }
  } catch (err) {
    clearInterval(rotationTimer);
    emulator.close();
    throw err;
  }
}

// ---- one process serving ------------------------------------------------------------------------

interface Listener {
  port: number;
  /** Graceful: no new connections, in-flight requests finish, idle keep-alive sockets close. */
  close(): Promise<void>;
}

async function listen(
  emulator: Emulator,
  tls: { keyPem: string; certPem: string },
  port: number,
  host: string,
  timeouts: ServeTimeouts,
): Promise<Listener> {
  const inFlight = new Set<Promise<void>>();
  const options = {
    key: tls.keyPem,
    cert: tls.certPem,
    handshakeTimeout: timeouts.handshakeMs,
    // Node checks the headers and request timeouts on this interval (default 30 s, which would let a
    // slowloris client hold a socket up to 45 s with a 15 s headers timeout).
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(Math.min(timeouts.headersMs, timeouts.requestMs) / 2))),
    // Node answers an HTTP/1.1 request without Host with an empty 400; serve() answers it in the envelope.
    requireHostHeader: false,
  };
  const server: Server = createServer(options, (req, res) => {
    const work = serve(emulator, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });
  // An Expect other than 100-continue: Node would answer an empty 417; the envelope says what is wrong.
  server.on("checkExpectation", (req: IncomingMessage, res: ServerResponse) =>
    refuseRequest(res, [417, "ExpectationFailed", `The Expect header '${String(req.headers.expect).slice(0, 100)}' is not supported; only 100-continue is.`]),
  );
  server.headersTimeout = timeouts.headersMs;
  server.requestTimeout = timeouts.requestMs;
  server.keepAliveTimeout = timeouts.keepAliveMs;
  // What Node's HTTP parser refuses (not HTTP/1.1, headers too large, a timeout) and CONNECT never
  // reach the handler: answer them in the service's error envelope too, then close.
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
    const answer = clientErrorAnswer(err);
    // TLS failures (a handshake that timed out) and resets have no HTTP to answer in: just close.
    if (answer) refuseConnection(socket, answer);
    else socket.destroy();
  });
  server.on("connect", (_req: IncomingMessage, socket: Duplex) =>
    refuseConnection(socket, [405, "MethodNotAllowed", "The requested resource does not support http method 'CONNECT'."]),
  );
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    // Responses are small and written whole: send them at once rather than wait for Nagle.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });

  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await Promise.allSettled([...inFlight]);
        // Keep-alive sockets with no request in flight would hold close() open.
        for (const socket of sockets) socket.destroy();
        await stopped;
      })();
      return closing;
    },
  };
}

type Refusal = [status: number, code: string, message: string];

function clientErrorAnswer(err: NodeJS.ErrnoException): Refusal | undefined {
  if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") return [408, "RequestTimeout", "The request did not arrive in time."];
  if (err.code === "HPE_HEADER_OVERFLOW") return [431, "RequestHeaderFieldsTooLarge", "The request headers are too large."];
  if (err.code?.startsWith("HPE_")) return [400, "BadRequest", "The request is not valid HTTP/1.1."];
  return undefined;
}

/** Writes one error response on a socket the HTTP server will not answer, and closes it. */
function refuseConnection(socket: Duplex, [status, code, message]: Refusal): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** An error answer in the service's envelope for a request the handler is not given; the connection then closes. */
function refuseRequest(res: ServerResponse, [status, code, message]: Refusal): void {
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": String(Buffer.byteLength(body)), connection: "close" });
  res.end(body);
}

/**
 * The Host a request addresses, or why it cannot be used: none at all on HTTP/1.1 (HTTP/1.0 may omit it),
 * an empty one, or two (which proxies may read differently: a request smuggling risk). Checked on the raw
 * headers: Node keeps only the first Host.
 */
function hostOf(req: IncomingMessage): string | Refusal {
  const hosts: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === "host") hosts.push(req.rawHeaders[i + 1]!);
  if (hosts.length > 1) return [400, "BadRequest", "The request has more than one Host header."];
  if (hosts.length === 0) return req.httpVersion === "1.0" ? "localhost" : [400, "BadRequest", "The request has no Host header (HTTP/1.1 requires one)."];
  if (hosts[0]!.trim() === "") return [400, "BadRequest", "The request's Host header is empty."];
  return hosts[0]!.trim();
}

async function serve(emulator: Emulator, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const host = hostOf(req);
  if (typeof host !== "string") {
    req.resume(); // the body, if any, is not read
    refuseRequest(res, host);
    return;
  }
  // A declared length over the limit is refused before a byte of the body is read. The limit is 1 MiB,
  // or what the largest backup needs for a restore (http/body-limits.ts).
  const limit = bodyLimitFor(req.method ?? "GET", (req.url ?? "/").split("?")[0]!);
  const declared = Number(req.headers["content-length"] ?? 0);
  const body = declared > limit ? undefined : await readBody(req, limit);
  if (body === undefined) {
    const refusal = JSON.stringify({ error: { code: "RequestBodyTooLarge", message: `The request body exceeds the limit of ${limit} bytes.` } });
    res.writeHead(413, { "content-type": "application/json; charset=utf-8", "content-length": String(Buffer.byteLength(refusal)), connection: "close" });
    res.end(refusal);
    return;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  const request: WireRequest = { method: req.method ?? "GET", url: `https://${host}${req.url ?? "/"}`, headers };
  if (body.length > 0) request.body = body;
  if (req.socket.remoteAddress) request.remoteAddress = req.socket.remoteAddress;
  const response = await emulator.handle(request);
  res.writeHead(response.status, { ...response.headers, "content-length": String(Buffer.byteLength(response.body)) });
  res.end(response.body);
}

/** The body as text, or undefined when it exceeds the limit (the rest is drained, not buffered). */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

// ---- several processes serving (node:cluster) ----------------------------------------------------

/** What a worker needs to serve: plain data, sent over the IPC channel. */
interface WorkerOptions {
  dataDir: string;
  host: string;
  port: number;
  authMode: AuthMode;
  identityEndpoint: boolean;
  defaultVault?: VaultTarget;
  keyPem: string;
  certPem: string;
  timeouts: ServeTimeouts;
}

/**
 * One line on stderr (emulator.log when detached) for a request answered 500: the storage message when
 * the disk or database is the cause; otherwise the error's name, code and stack frames, never its message
 * (a bug's message could quote key material). A log that cannot be written (the same full disk) is skipped.
 */
function logInternalError(err: unknown, problem: string | undefined, request: WireRequest): void {
  const e = err instanceof Error ? err : undefined;
  const what = problem ?? `${e?.name ?? typeof err}${(e as { code?: unknown } | undefined)?.code ? ` ${String((e as { code?: unknown }).code)}` : ""}`;
  const frames = problem || !e?.stack ? "" : `\n${e.stack.split("\n").filter((l) => /^\s+at /.test(l)).join("\n")}`;
  const path = JSON.stringify(request.url.replace(/^https?:\/\/[^/]*/, ""));
  try {
    process.stderr.write(`kvkey emulator: ${new Date().toISOString()} 500 for ${request.method} ${path}: ${what}${frames}\n`);
  } catch {
    // stderr is a file on the full disk, or closed: the client's answer says it already.
  }
}

type PrimaryMessage = { kvkey: "serve"; options: WorkerOptions } | { kvkey: "stop" };
type WorkerMessage = { kvkey: "ready" } | { kvkey: "listening" } | { kvkey: "failed"; message: string } | { kvkey: "stopped" };

const isWorkerMessage = (m: unknown): m is WorkerMessage =>
  typeof m === "object" && m !== null && typeof (m as { kvkey?: unknown }).kvkey === "string";

/** The bundled worker entry (dist/emulator-worker.js, built from src/bin/emulator-worker.ts). */
export function workerScript(): string {
  const script = join(packageRoot(), "dist", "emulator-worker.js");
  if (!existsSync(script)) throw new Error(`the emulator worker ${script} is missing: run \`npm run build\``);
  return script;
}

/** A port that was free a moment ago (the workers then bind it). */
function freePort(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once("error", reject);
    probe.listen(port, host, () => {
      const chosen = (probe.address() as AddressInfo).port;
      probe.close(() => resolve(chosen));
    });
  });
}

interface WorkerPool {
  close(): Promise<void>;
}

async function startWorkers(count: number, options: WorkerOptions): Promise<WorkerPool> {
  cluster.setupPrimary({ exec: workerScript(), args: [], silent: false });
  const live = new Set<Worker>();
  let stopping = false;
  let restarts = 0;

  const fork = (): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork();
      live.add(worker);
      const timer = setTimeout(() => fail(new Error(`an emulator worker did not start within ${WORKER_START_TIMEOUT_MS / 1000} s`)), WORKER_START_TIMEOUT_MS);
      const fail = (err: Error) => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.process.kill("SIGKILL");
        reject(err);
      };
      const onMessage = (message: unknown) => {
        if (!isWorkerMessage(message)) return;
        // The worker asks once its module has loaded: a message sent before it listens would be lost.
        if (message.kvkey === "ready") worker.send({ kvkey: "serve", options } satisfies PrimaryMessage);
        else if (message.kvkey === "listening") {
          clearTimeout(timer);
          worker.off("message", onMessage);
          resolve(worker);
        } else if (message.kvkey === "failed") {
          fail(new Error(`an emulator worker could not start: ${message.message}`));
        }
      };
      worker.on("message", onMessage);
      worker.once("exit", (code, signal) => {
        live.delete(worker);
        clearTimeout(timer);
        reject(new Error(`an emulator worker exited (${signal ?? code}) before it was serving`));
        if (stopping || worker.exitedAfterDisconnect) return;
        // Replace a worker that died while serving, so the emulator keeps its capacity.
        if (restarts++ < MAX_WORKER_RESTARTS) {
          process.stderr.write(`kvkey emulator: worker ${worker.process.pid} exited (${signal ?? code}); starting another\n`);
          fork().catch((err: Error) => process.stderr.write(`kvkey emulator: ${err.message}\n`));
        }
      });
    });

  const stopAll = async () => {
    stopping = true;
    await Promise.all(
      [...live].map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            worker.once("exit", () => resolve());
            try {
              worker.send({ kvkey: "stop" } satisfies PrimaryMessage);
            } catch {
              worker.process.kill("SIGTERM");
            }
          }),
      ),
    );
  };

  try {
    await Promise.all(Array.from({ length: count }, fork));
  } catch (err) {
    await stopAll();
    throw err;
  }
  return { close: stopAll };
}

/**
 * The worker side (dist/emulator-worker.js): waits for its options from the primary, opens the data
 * directory and serves on the shared port; on "stop" (or if the primary goes away) it finishes its
 * in-flight requests and exits. Ctrl-C reaches the whole process group: the primary decides.
 */
export function runEmulatorWorker(exit: (code: number) => void): void {
  if (!cluster.isWorker) throw new Error("runEmulatorWorker runs in a cluster worker started by startEmulator");
  const ignore = () => {};
  process.on("SIGINT", ignore);
  process.on("SIGTERM", ignore);
  const send = (message: WorkerMessage) => {
    if (process.connected) process.send?.(message);
  };
  let stop: (() => Promise<void>) | undefined;
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    void (stop?.() ?? Promise.resolve())
      .catch(() => undefined)
      .finally(() => {
        send({ kvkey: "stopped" });
        exit(0);
      });
  };
  process.on("disconnect", shutdown);
  process.on("message", (message: PrimaryMessage) => {
    if (message.kvkey === "stop") return shutdown();
    if (message.kvkey !== "serve") return;
    const o = message.options;
    void (async () => {
      let emulator: Emulator | undefined;
      try {
        emulator = createEmulator({
          dataDir: o.dataDir,
          authMode: o.authMode,
          identityEndpoint: o.identityEndpoint,
          onInternalError: logInternalError,
          ...(o.defaultVault ? { defaultVault: o.defaultVault } : {}),
        });
        const listener = await listen(emulator, { keyPem: o.keyPem, certPem: o.certPem }, o.port, o.host, o.timeouts);
        const opened = emulator;
        stop = () => listener.close().finally(() => opened.close());
        if (stopping) {
          stopping = false;
          return shutdown();
        }
        send({ kvkey: "listening" });
      } catch (err) {
        emulator?.close();
        send({ kvkey: "failed", message: err instanceof Error ? err.message : String(err) });
        exit(1);
      }
    })();
  });
  send({ kvkey: "ready" });
}
