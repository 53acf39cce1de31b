import { createEmulator, type Emulator, type EmulatorOptions } from "./index.js";
import { ensureTlsMaterial, ephemeralTlsMaterial } from "./tls/local-ca.js";
import { DEFAULT_TIMEOUTS, listen, type Listener, type ServeTimeouts } from "./serve/https-listener.js";
import { freePort, startWorkers, type WorkerOptions } from "./serve/workers.js";
import { logInternalError } from "./serve/internal-error-log.js";
import type { FaultRule } from "../shared/fault-rules.js";

export type { ServeTimeouts } from "./serve/https-listener.js";
export { runEmulatorWorker } from "./serve/workers.js";

// The served emulator: the same handler the embedded vault uses, behind HTTPS on loopback.
//
// With `workers` > 1 it serves from that many processes (node:cluster, round-robin over connections),
// all on the one data directory: SQLite in WAL mode lets them read concurrently and queues their
// writes, every request reads the state it acts on from the database, and each worker's cache of
// unsealed key material is keyed by the sealed bytes it read (service/material-cache.ts), so a write
// made through one worker is seen by the next request on any other. This process stays the primary:
// it prepares the data directory, forks the workers, replaces one that dies, and stops them gracefully.
// One process serving is serve/https-listener.ts; the workers are serve/workers.ts.

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
  /**
   * The fault rules to start with (`op=sign,status=503`; docs/emulator.md, "Fault injection"); they
   * replace the data directory's. `kvkey emulator fault` changes them while the emulator runs.
   */
  faults?: ReadonlyArray<string | FaultRule>;
  /** The seed of the draws behind a rule's `rate`: the same seed and requests hit the same ones. Default: random. */
  faultSeed?: number;
  /**
   * The server's own certificate instead of the generated local CA's, e.g. one for `*.vault.azure.net`
   * from a test CA, so clients reach the emulator under Azure's host names (a loopback "Azure").
   */
  tls?: ServeTls;
}

/** A server certificate (PEM, with any intermediates) and its private key, and the CA clients trust. */
export interface ServeTls {
  certPem: string;
  keyPem: string;
  caPem: string;
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

/** Automatic key rotation also runs with no requests coming in (service/rotation-service.ts). */
const ROTATION_CHECK_MS = 60_000;

export async function startEmulator(options: ServeOptions): Promise<ServedEmulator> {
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be a whole number of at least 1; it is ${workers}`);
  if (workers > 1 && !options.dataDir) {
    throw new Error("workers > 1 needs a dataDir: in-memory state lives in one process and cannot be shared");
  }
  if (workers > 1 && options.clock) throw new Error("workers > 1 needs the system clock: a clock object cannot be shared between processes");

  const tls = options.tls
    ? { ...options.tls, caPath: undefined }
    : options.dataDir
      ? await ensureTlsMaterial(options.dataDir)
      : { ...(await ephemeralTlsMaterial()), caPath: undefined };
  // Served, the emulator meets clients it did not configure: any bearer token by default (as other
  // emulators do), and the managed-identity endpoint for DefaultAzureCredential.
  const emulatorOptions: EmulatorOptions = { authMode: "any", identityEndpoint: true, faultInjection: true, onInternalError: logInternalError, ...options };
  // With workers, this one also prepares the data directory (schema, security domain) before they start.
  const emulator = createEmulator(emulatorOptions);
  try {
    // A start begins with its own rules, not with whatever an earlier run left in the data directory.
    emulator.faults.set(options.faults ?? [], options.faultSeed);
  } catch (err) {
    emulator.close();
    throw err;
  }
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
        ...(options.identityPrincipal ? { identityPrincipal: options.identityPrincipal } : {}),
        ...(options.defaultVault ? { defaultVault: options.defaultVault } : {}),
        failure: {
          ...(options.profile ? { profile: options.profile } : {}),
          ...(options.softDeleteDelays ? { softDeleteDelays: options.softDeleteDelays } : {}),
          ...(options.throttle !== undefined ? { throttle: options.throttle } : {}),
          faultInjection: emulatorOptions.faultInjection ?? false,
        },
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
