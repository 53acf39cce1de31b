import cluster, { type Worker } from "node:cluster";
import { createServer as createNetServer } from "node:net";
import type { AddressInfo } from "node:net";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createEmulator, type Emulator, type EmulatorOptions } from "../index.js";
import type { AuthMode } from "../http/auth.js";
import type { VaultTarget } from "../domain/vault.js";
import { packageRoot } from "../../shared/package-root.js";
import { listen, type ServeTimeouts } from "./https-listener.js";
import { logInternalError } from "./internal-error-log.js";

// Several processes serving one data directory (node:cluster, round-robin over connections): the
// primary (startEmulator, server.ts) forks the workers, replaces one that dies and stops them
// gracefully; each worker opens the data directory and serves on the shared port (https-listener.ts).

/** How long a worker may take to start listening. */
const WORKER_START_TIMEOUT_MS = 30_000;
/** A worker that dies is replaced, but not forever: a crash loop stops being restarted. */
const MAX_WORKER_RESTARTS = 10;

/** What a worker needs to serve: plain data, sent over the IPC channel. */
export interface WorkerOptions {
  dataDir: string;
  host: string;
  port: number;
  authMode: AuthMode;
  identityEndpoint: boolean;
  /** The `oid` of the managed-identity endpoint's tokens. */
  identityPrincipal?: string;
  defaultVault?: VaultTarget;
  /** Failing like Azure (issue 22): the profile, soft-delete delays, throttling and fault injection. */
  failure: Pick<EmulatorOptions, "profile" | "softDeleteDelays" | "throttle" | "faultInjection">;
  keyPem: string;
  certPem: string;
  timeouts: ServeTimeouts;
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
export function freePort(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once("error", reject);
    probe.listen(port, host, () => {
      const chosen = (probe.address() as AddressInfo).port;
      probe.close(() => resolve(chosen));
    });
  });
}

export interface WorkerPool {
  close(): Promise<void>;
}

export async function startWorkers(count: number, options: WorkerOptions): Promise<WorkerPool> {
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
          ...(o.identityPrincipal ? { identityPrincipal: o.identityPrincipal } : {}),
          ...(o.defaultVault ? { defaultVault: o.defaultVault } : {}),
          ...o.failure,
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
