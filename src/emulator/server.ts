import cluster, { type Worker } from "node:cluster";
import { createServer as createNetServer } from "node:net";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createEmulator, type Emulator, type EmulatorOptions } from "./index.js";
import { ensureTlsMaterial, ephemeralTlsMaterial } from "./tls/local-ca.js";
import { MAX_BODY_BYTES } from "./http/handler.js";
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

// Slow or stalled clients must not hold sockets forever.
const HEADERS_TIMEOUT_MS = 15_000;
const REQUEST_TIMEOUT_MS = 60_000;
const KEEP_ALIVE_TIMEOUT_MS = 30_000;
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
  const emulatorOptions: EmulatorOptions = { authMode: "any", identityEndpoint: true, ...options };
  // With workers, this one also prepares the data directory (schema, security domain) before they start.
  const emulator = createEmulator(emulatorOptions);
  const rotationTimer = setInterval(() => void emulator.rotateDueKeys().catch(() => undefined), ROTATION_CHECK_MS).unref();
  const host = options.host ?? "127.0.0.1";
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
      listener = await listen(emulator, tls, options.port ?? 8443, host);
    } catch (err) {
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
    const workerOptions: WorkerOptions = {
      dataDir: options.dataDir!,
      host,
      // Workers must all listen on the same concrete port: cluster shares a listening socket by
      // address and port, so two clustered emulators asking for port 0 would otherwise share one.
      port: options.port === 0 || options.port === undefined ? await freePort(host, options.port ?? 8443) : options.port,
      authMode: emulatorOptions.authMode ?? "any",
      identityEndpoint: emulatorOptions.identityEndpoint ?? false,
      ...(options.defaultVault ? { defaultVault: options.defaultVault } : {}),
      keyPem: tls.keyPem,
      certPem: tls.certPem,
    };
    const pool = await startWorkers(workers, workerOptions);
    let closing: Promise<void> | undefined;
    return described(workerOptions.port, () => {
      closing ??= pool.close().finally(() => (clearInterval(rotationTimer), emulator.close()));
      return closing;
    });
  } catch (err) {
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

async function listen(emulator: Emulator, tls: { keyPem: string; certPem: string }, port: number, host: string): Promise<Listener> {
  const inFlight = new Set<Promise<void>>();
  const server: Server = createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    const work = serve(emulator, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
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

async function serve(emulator: Emulator, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // A declared length over the limit is refused before a byte of the body is read.
  const declared = Number(req.headers["content-length"] ?? 0);
  const body = declared > MAX_BODY_BYTES ? undefined : await readBody(req);
  if (body === undefined) {
    res.writeHead(413, { "content-type": "application/json; charset=utf-8", connection: "close" });
    res.end(JSON.stringify({ error: { code: "RequestBodyTooLarge", message: `The request body exceeds the limit of ${MAX_BODY_BYTES} bytes.` } }));
    return;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  const host = req.headers.host ?? "localhost";
  const request: WireRequest = { method: req.method ?? "GET", url: `https://${host}${req.url ?? "/"}`, headers };
  if (body.length > 0) request.body = body;
  if (req.socket.remoteAddress) request.remoteAddress = req.socket.remoteAddress;
  const response = await emulator.handle(request);
  res.writeHead(response.status, { ...response.headers, "content-length": String(Buffer.byteLength(response.body)) });
  res.end(response.body);
}

/** The body as text, or undefined when it exceeds the limit (the rest is drained, not buffered). */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
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
}

type PrimaryMessage = { kvkey: "serve"; options: WorkerOptions } | { kvkey: "stop" };
type WorkerMessage = { kvkey: "ready" } | { kvkey: "listening" } | { kvkey: "failed"; message: string } | { kvkey: "stopped" };

const isWorkerMessage = (m: unknown): m is WorkerMessage =>
  typeof m === "object" && m !== null && typeof (m as { kvkey?: unknown }).kvkey === "string";

/** The bundled worker entry (dist/emulator-worker.js, built from src/emulator/cluster-worker.ts). */
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
export function runEmulatorWorker(): void {
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
        process.exit(0);
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
          ...(o.defaultVault ? { defaultVault: o.defaultVault } : {}),
        });
        const listener = await listen(emulator, { keyPem: o.keyPem, certPem: o.certPem }, o.port, o.host);
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
        process.exit(1);
      }
    })();
  });
  send({ kvkey: "ready" });
}
