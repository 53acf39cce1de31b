import { closeSync, openSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { defineCommand } from "../../spec.js";
import { CliError, UsageError, ValidationError } from "../../errors.js";
import { choice, integer } from "../../args/values.js";
import { ensureHome } from "../../config.js";
import { rawList, rawString } from "../../args/raw.js";
import { parseMilliseconds } from "../../../shared/duration.js";
import { FaultRuleError, formatFaultRule, parseFaultRule } from "../../../shared/fault-rules.js";
import { binaryPath } from "../../../shared/package-root.js";
import { tightenDataDir, tightenMode, trustableCaFile } from "../../../shared/files.js";
import { alive, readState, STATE_FILE, type EmulatorState } from "../../emulator-state.js";

// `kvkey emulator start|status|stop|ca`: the same vault the CLI embeds, served over HTTPS for other
// programs. A running emulator is described by emulator.json in its data directory.

const AUTH_MODES = ["any", "strict"] as const;
const PROFILES = ["azure"] as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const DATA_DIR_OPTION = { flags: "--data-dir <dir>", help: "Data directory of the emulator.", defaultText: "$KVKEY_HOME (~/.kvkey)" };

export const emulatorStartCommand = defineCommand({
  path: ["emulator", "start"],
  summary: "Serve the emulated Key Vault and Managed HSM over HTTPS on this machine.",
  description:
    "Vaults are https://{name}.vault.localhost:{port} and https://{name}.managedhsm.localhost:{port}; clients trust the CA that `kvkey emulator ca` prints. Ctrl-C stops it cleanly.",
  options: [
    { flags: "--port <port>", help: "TCP port to listen on (0 picks a free one).", defaultText: "8443" },
    { flags: "--host <address>", help: "Address to bind. Anything but loopback exposes the emulator to the network.", defaultText: "127.0.0.1" },
    DATA_DIR_OPTION,
    { flags: "--in-memory", help: "Keep everything in memory; nothing is written to disk and all state is lost on stop." },
    { flags: "--detach", help: "Start in the background and return once it is ready (stop it with `kvkey emulator stop`)." },
    { flags: "--auth <mode>", help: "Which bearer tokens to accept: any (as other emulators do) or strict (only tokens this emulator issued).", choices: AUTH_MODES, defaultText: "any" },
    { flags: "--default-vault <name>", help: "The key vault that requests to a bare localhost or 127.0.0.1 address reach.", defaultText: "default" },
    {
      flags: "--identity-principal <oid>",
      help: "The object id (oid) of the tokens the managed-identity endpoint issues: the principal to name in role assignments.",
      defaultText: "the one a request names (principal_id, object_id), else a new one per token",
    },
    {
      flags: "--workers <count>",
      help: "Processes serving requests, each on its own core, sharing the data directory. More than 1 needs a data directory.",
      defaultText: "the number of CPU cores; 1 with --in-memory",
    },
    {
      flags: "--profile <name>",
      help: "Fail where Azure fails: azure makes soft deletes, recoveries, purges and restores settle after a delay (409 ObjectIsBeingDeleted meanwhile) and applies Key Vault's transaction limits (429 with Retry-After).",
      choices: PROFILES,
      defaultText: "none: the fast, permissive vault",
    },
    {
      flags: "--soft-delete-delay <duration>",
      help: "How long deletes, recoveries, purges and restores take to settle on the emulator clock (250ms, 5s, 1m; 0 settles at once). Without --profile it turns on only this timing.",
      defaultText: "5s with --profile azure",
    },
    { flags: "--throttle", help: "Apply Key Vault's documented transaction limits per vault (429 Throttled with Retry-After), also without --profile." },
    {
      flags: "--fault <rules...>",
      help: "Fault rules to start with, e.g. \"op=sign,status=503,retry-after=1,rate=0.5\" or \"key=k1,drop\" (see docs/emulator.md, Fault injection). Change them while running with `kvkey emulator fault set`.",
    },
    { flags: "--fault-seed <n>", help: "Seed of the draws behind a rule's rate: the same seed and requests hit the same ones.", defaultText: "random" },
  ],
  examples: [
    { title: "Serve on https://*.vault.localhost:8443 until Ctrl-C.", command: "kvkey emulator start" },
    { title: "Start in the background on a free port for a test run, in memory.", command: "kvkey emulator start --detach --port 0 --in-memory" },
    { title: "Fail like Azure: soft-delete timing and service limits.", command: "kvkey emulator start --profile azure" },
    { title: "Answer one sign in two with 503, reproducibly.", command: "kvkey emulator start --fault \"op=sign,status=503,rate=0.5\" --fault-seed 42" },
  ],
  parse(raw, { commandName, cwd }) {
    const port = integer("--port", rawString(raw, "port")) ?? 8443;
    if (port < 0 || port > 65535) throw new UsageError(`argument --port: ${port} is not a TCP port (0-65535)`);
    const authText = rawString(raw, "auth");
    const dataDir = rawString(raw, "dataDir");
    const inMemory = raw.inMemory === true;
    if (inMemory && dataDir !== undefined) throw new ValidationError("--in-memory and --data-dir are mutually exclusive.");
    const workers = integer("--workers", rawString(raw, "workers"));
    if (workers !== undefined && workers < 1) throw new UsageError(`argument --workers: must be a positive integer, not ${workers}`);
    if (inMemory && workers !== undefined && workers > 1) {
      throw new ValidationError("--in-memory keeps the vault in one process: use --workers 1, or a data directory for more workers.");
    }
    const profileText = rawString(raw, "profile");
    const delayText = rawString(raw, "softDeleteDelay");
    const softDeleteDelay = delayText === undefined ? undefined : parseMilliseconds(delayText);
    if (delayText !== undefined && softDeleteDelay === undefined) {
      throw new UsageError(`argument --soft-delete-delay: invalid duration value: '${delayText}' (use 250ms, 5s, 1m or 0)`);
    }
    const faults = (rawList(raw, "fault") ?? []).map((text) => {
      try {
        return formatFaultRule(parseFaultRule(text));
      } catch (err) {
        if (err instanceof FaultRuleError) throw new UsageError(`argument --fault: '${text}': ${err.message}`);
        throw err;
      }
    });
    const faultSeed = integer("--fault-seed", rawString(raw, "faultSeed"));
    if (faultSeed !== undefined && (faultSeed < 0 || faultSeed > 0xffffffff)) {
      throw new UsageError(`argument --fault-seed: must be a whole number from 0 to 4294967295, not ${faultSeed}`);
    }
    return {
      port,
      host: rawString(raw, "host") ?? "127.0.0.1",
      dataDir: dataDir === undefined ? undefined : resolve(cwd, dataDir),
      inMemory,
      detach: raw.detach === true,
      auth: authText === undefined ? "any" : choice(commandName, "--auth", authText, AUTH_MODES),
      defaultVault: rawString(raw, "defaultVault") ?? "default",
      workers: workers ?? (inMemory ? 1 : availableParallelism()),
      identityPrincipal: identityPrincipal(rawString(raw, "identityPrincipal")),
      profile: profileText === undefined ? undefined : choice(commandName, "--profile", profileText, PROFILES),
      softDeleteDelay,
      throttle: raw.throttle === true,
      faults,
      faultSeed,
      argv: rawArgs(raw),
    };
  },
  async run(o, ctx) {
    const dataDir = o.dataDir ?? ctx.home;
    ensureHome(dataDir);
    const existing = readState(dataDir);
    if (existing && alive(existing.pid)) {
      throw new CliError(`An emulator is already running for ${dataDir} (pid ${existing.pid}, ${existing.url}). Stop it with \`kvkey emulator stop\`.`);
    }
    if (o.detach) return detach(o.argv, dataDir, ctx.io.env);

    const { startEmulator } = await import("../../../emulator/server.js");
    const served = await startEmulator({
      ...(o.inMemory ? { inMemory: true } : { dataDir }),
      port: o.port,
      host: o.host,
      defaultVault: { name: o.defaultVault, kind: "vault" },
      authMode: o.auth,
      workers: o.workers,
      ...(o.identityPrincipal ? { identityPrincipal: o.identityPrincipal } : {}),
      ...(o.profile ? { profile: o.profile } : {}),
      ...(o.softDeleteDelay !== undefined ? { softDeleteDelays: { deleteMs: o.softDeleteDelay, recoverMs: o.softDeleteDelay, purgeMs: o.softDeleteDelay, restoreMs: o.softDeleteDelay } } : {}),
      ...(o.throttle ? { throttle: true } : {}),
      faults: o.faults,
      ...(o.faultSeed !== undefined ? { faultSeed: o.faultSeed } : {}),
    });
    const state: EmulatorState = {
      pid: process.pid,
      url: served.url,
      port: served.port,
      host: served.host,
      dataDir,
      caPath: served.caPath ?? writeEphemeralCa(dataDir, served.caPem),
      auth: o.auth,
      identityEndpoint: `${served.url}/msi/token`,
      identityHeader: served.emulator.identityHeader,
      ...(o.identityPrincipal ? { identityPrincipal: o.identityPrincipal } : {}),
      inMemory: o.inMemory,
      profile: o.profile ?? null,
      throttle: o.throttle || o.profile === "azure",
      started: new Date().toISOString(),
    };
    // It holds the identity header: 0600 even when an older, looser file is overwritten.
    writeFileSync(join(dataDir, STATE_FILE), JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
    tightenMode(join(dataDir, STATE_FILE), 0o600);
    ctx.note(
      `kvkey emulator listening on ${served.host}:${served.port}: vaults at https://{name}.vault.localhost:${served.port}, ` +
        `managed HSMs at https://{name}.managedhsm.localhost:${served.port}. CA: ${state.caPath}. Ctrl-C to stop.`,
    );
    await new Promise<void>((resolveStop) => {
      const remove = ctx.io.onInterrupt?.(() => resolveStop());
      if (!remove) resolveStop();
    });
    await served.close();
    rmSync(join(dataDir, STATE_FILE), { force: true });
    return undefined;
  },
});

function identityPrincipal(value: string | undefined): string | undefined {
  if (value !== undefined && !/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(value)) {
    throw new UsageError(`argument --identity-principal: '${value}' is not an object id (a GUID)`);
  }
  return value;
}

/** An in-memory emulator still needs its CA on disk for clients to trust it. */
function writeEphemeralCa(dataDir: string, pem: string): string {
  const path = join(dataDir, "emulator-ca.pem");
  writeFileSync(path, pem, { mode: 0o644 });
  trustableCaFile(path);
  return path;
}

/** The raw arguments to hand to the background child: everything but --detach. */
function rawArgs(raw: Record<string, unknown>): string[] {
  const args: string[] = [];
  const flag: Record<string, string> = {
    port: "--port",
    host: "--host",
    dataDir: "--data-dir",
    auth: "--auth",
    defaultVault: "--default-vault",
    workers: "--workers",
    identityPrincipal: "--identity-principal",
    profile: "--profile",
    softDeleteDelay: "--soft-delete-delay",
    faultSeed: "--fault-seed",
  };
  for (const [key, name] of Object.entries(flag)) if (typeof raw[key] === "string") args.push(name, raw[key] as string);
  if (raw.inMemory === true) args.push("--in-memory");
  if (raw.throttle === true) args.push("--throttle");
  const faults = rawList(raw, "fault");
  if (faults && faults.length > 0) args.push("--fault", ...faults);
  return args;
}

async function detach(args: string[], dataDir: string, env: Record<string, string | undefined>): Promise<unknown> {
  const bin = binaryPath();
  const log = openSync(join(dataDir, "emulator.log"), "a", 0o600);
  // The mode given to open applies to a new file only: an older, looser log is tightened (never loosened).
  tightenMode(join(dataDir, "emulator.log"), 0o600);
  // --in-memory refuses --data-dir: the child then finds its directory (for emulator.json) through
  // KVKEY_HOME, which is where an in-memory emulator's directory always comes from.
  const inMemory = args.includes("--in-memory");
  // Loaded here, not at the top: every kvkey start reads this file's declarations.
  const { spawn } = await import("node:child_process");
  const child = spawn(process.execPath, [bin, "emulator", "start", ...args, ...(inMemory ? [] : ["--data-dir", dataDir])], {
    detached: true,
    stdio: ["ignore", log, log],
    env: { ...env, ...(inMemory ? { KVKEY_HOME: dataDir } : {}) } as NodeJS.ProcessEnv,
  });
  closeSync(log);
  child.unref();
  // A child that fails exits, and that is seen at once; the deadline is only for one that hangs. A busy
  // machine (the first start makes a CA and starts a worker per core) can take many seconds.
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const state = readState(dataDir);
    if (state && state.pid === child.pid) return state;
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  throw new CliError(`The emulator did not start; see ${join(dataDir, "emulator.log")}.`);
}

export const emulatorStatusCommand = defineCommand({
  path: ["emulator", "status"],
  summary: "Show whether an emulator is serving this data directory, and where.",
  options: [DATA_DIR_OPTION],
  examples: [{ title: "Is the emulator running?", command: "kvkey emulator status --query running" }],
  parse: (raw, { cwd }) => ({ dataDir: rawString(raw, "dataDir") === undefined ? undefined : resolve(cwd, rawString(raw, "dataDir")!) }),
  async run(o, ctx) {
    const dataDir = o.dataDir ?? ctx.home;
    // As start does: emulator.json holds the identity header, and status is often the first command run.
    tightenDataDir(dataDir);
    const state = readState(dataDir);
    if (!state || !alive(state.pid)) return { dataDir, running: false };
    return { ...state, running: true };
  },
});

export const emulatorStopCommand = defineCommand({
  path: ["emulator", "stop"],
  summary: "Stop the emulator serving this data directory; in-flight requests finish first.",
  options: [DATA_DIR_OPTION],
  examples: [{ title: "Stop a background emulator.", command: "kvkey emulator stop" }],
  parse: (raw, { cwd }) => ({ dataDir: rawString(raw, "dataDir") === undefined ? undefined : resolve(cwd, rawString(raw, "dataDir")!) }),
  async run(o, ctx) {
    const dataDir = o.dataDir ?? ctx.home;
    const state = readState(dataDir);
    if (!state || !alive(state.pid)) {
      rmSync(join(dataDir, STATE_FILE), { force: true });
      throw new CliError(`No emulator is running for ${dataDir}.`);
    }
    process.kill(state.pid, "SIGTERM");
    // Requests in flight finish first (an RSA-4096 create takes seconds on a busy machine).
    const deadline = Date.now() + 30_000;
    while (alive(state.pid) && Date.now() < deadline) await sleep(50);
    if (alive(state.pid)) throw new CliError(`The emulator (pid ${state.pid}) did not stop within 30 seconds.`);
    rmSync(join(dataDir, STATE_FILE), { force: true });
    ctx.note(`Stopped the emulator serving ${state.url} for ${dataDir} (pid ${state.pid}, running since ${state.started}).`);
    return undefined;
  },
});

export const emulatorCaCommand = defineCommand({
  path: ["emulator", "ca"],
  summary: "Print the path of the emulator's CA certificate (or the PEM itself), for clients to trust.",
  description:
    "Use it with NODE_EXTRA_CA_CERTS (Node), REQUESTS_CA_BUNDLE (Python), SSL_CERT_FILE (Go, OpenSSL) or a system trust store. The CA is created on first use.",
  options: [DATA_DIR_OPTION, { flags: "--pem", help: "Print the certificate itself instead of its path." }],
  examples: [
    { title: "Trust the emulator from a Node app.", command: "NODE_EXTRA_CA_CERTS=$(kvkey emulator ca -o tsv) node app.js" },
    { title: "Write the certificate to a file.", command: "kvkey emulator ca --pem -o tsv > kvkey-ca.pem" },
  ],
  parse: (raw, { cwd }) => ({
    dataDir: rawString(raw, "dataDir") === undefined ? undefined : resolve(cwd, rawString(raw, "dataDir")!),
    pem: raw.pem === true,
  }),
  async run(o, ctx) {
    const dataDir = o.dataDir ?? ctx.home;
    ensureHome(dataDir);
    const { ensureTlsMaterial } = await import("../../../emulator/tls/local-ca.js");
    const tls = await ensureTlsMaterial(dataDir);
    // Without its final newline: `-o tsv` adds one, so `> ca.pem` gives a clean file.
    return o.pem ? tls.caPem.trimEnd() : tls.caPath;
  },
});
