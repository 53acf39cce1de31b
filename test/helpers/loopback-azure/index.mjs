// A loopback "Azure" for tests and benchmarks: see world.mjs for what runs in it. Programs reach it by
// running inside its namespaces (`run` below, through nsenter), where `demo.vault.azure.net` is the
// emulator on 127.0.0.1:443 and nothing outside the machine can be reached. Needs root (or the rights to
// make network and mount namespaces), util-linux's unshare and nsenter, and iproute2's ip; where they are
// missing, loopbackAzureSupport() says why and the suites skip, saying so.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { makeTestPki } from "./pki.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..", "..");
export const DIST_INDEX = join(ROOT, "dist", "index.js");
export const KVKEY_BIN = join(ROOT, "dist", "kvkey.js");
export const FAKE_AZ_DIR = join(HERE, "fake-az");
/** The tenant the emulator's challenge names (its LOCAL_TENANT_ID). */
export const VAULT_TENANT = "00000000-0000-0000-0000-00000000cafe";
/** The managed identity's client id the token endpoints report. */
export const MI_CLIENT_ID = "99999999-0000-0000-0000-000000000002";
export const MSI_ENDPOINT = "http://127.0.0.1:50342/oauth2/token";
/** The one subscription the loopback ARM lists (for `az login`). */
export const LOOPBACK_SUBSCRIPTION = "22222222-0000-0000-0000-000000000001";

let support;
/** { ok: true } or { ok: false, reason } — whether this machine can host the loopback Azure. */
export function loopbackAzureSupport() {
  if (support) return support;
  const missing = ["unshare", "nsenter", "ip", "mount"].filter((c) => spawnSync("sh", ["-c", `command -v ${c}`]).status !== 0);
  if (process.platform !== "linux") support = { ok: false, reason: "the loopback Azure needs Linux namespaces" };
  else if (missing.length) support = { ok: false, reason: `the loopback Azure needs ${missing.join(", ")} (util-linux, iproute2)` };
  else {
    // Everything world.mjs does to set itself up, in a throw-away namespace.
    const probe = spawnSync("unshare", ["--net", "--mount", "--propagation", "private", "sh", "-c", "ip link set lo up && ip addr add 169.254.169.254/32 dev lo && mount --bind /etc/hosts /etc/hosts"], {
      encoding: "utf8",
    });
    support = probe.status === 0 ? { ok: true } : { ok: false, reason: `cannot make a network namespace here (${(probe.stderr || "").trim() || `exit ${probe.status}`}); run as root` };
  }
  return support;
}

/**
 * Starts the loopback Azure. Options: vaults (names under .vault.azure.net, default ["demo"]), hsms,
 * imds ("drop" | "refuse" | "answer" | "unroutable", default "drop"), servicePrincipals
 * ([{ clientId, secret, federatedToken? }]), users ([{ username, password, objectId }], for `az login -u`).
 */
export async function startLoopbackAzure(options = {}) {
  const dir = mkdtempSync(join(tmpdir(), "kvkey-loopback-azure-"));
  chmodSync(dir, 0o755);
  const pki = makeTestPki();
  const caFile = join(dir, "test-ca.pem");
  writeFileSync(caFile, pki.caPem);
  const config = {
    dir,
    distIndex: DIST_INDEX,
    vaults: options.vaults ?? ["demo"],
    hsms: options.hsms ?? [],
    imds: options.imds ?? "drop",
    servicePrincipals: options.servicePrincipals ?? [],
    users: options.users ?? [],
    userTenant: VAULT_TENANT,
    subscriptionId: LOOPBACK_SUBSCRIPTION,
    pki,
  };
  if (!existsSync(DIST_INDEX)) throw new Error(`${DIST_INDEX} is missing: run \`npm run build\` first (\`npm test\` does).`);
  const child = spawn("unshare", ["--net", "--mount", "--propagation", "private", process.execPath, join(HERE, "world.mjs"), JSON.stringify(config)], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (c) => (stderr += c));
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  const messages = [];
  lines.on("line", (line) => {
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      return;
    }
    const next = waiting.shift();
    if (next) next.resolve(message);
    else messages.push(message);
  });
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const nextMessage = () =>
    new Promise((resolve, reject) => {
      const queued = messages.shift();
      if (queued) return resolve(queued);
      waiting.push({ resolve });
      void exited.then(({ code, signal }) => reject(new Error(`the loopback Azure exited (${code ?? signal}): ${stderr.trim()}`)));
    });
  const ready = await nextMessage();
  if (!ready.ready) throw new Error(`the loopback Azure did not start: ${JSON.stringify(ready)} ${stderr}`);
  const pid = ready.pid;

  const world = {
    dir,
    caFile,
    caPem: pki.caPem,
    pid,
    /** Runs a program inside the namespaces. Resolves with { code, signal, stdout, stderr }. */
    run(command, args, runOptions = {}) {
      const inner = spawn("nsenter", ["--target", String(pid), "--net", "--mount", "--", command, ...args], {
        env: runOptions.env ?? {},
        cwd: runOptions.cwd ?? dir,
        stdio: ["pipe", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      inner.stdout.setEncoding("utf8").on("data", (c) => (out += c));
      inner.stderr.setEncoding("utf8").on("data", (c) => (err += c));
      inner.stdin.on("error", () => {});
      inner.stdin.end(runOptions.input ?? "");
      return new Promise((resolve, reject) => {
        inner.once("error", reject);
        inner.once("close", (code, signal) => resolve({ code, signal, stdout: out, stderr: err }));
      });
    },
    /** Runs the built kvkey inside the namespaces. */
    kvkey(args, env, runOptions = {}) {
      return world.run(process.execPath, [KVKEY_BIN, ...args], { ...runOptions, env });
    },
    /** The events recorded so far (optionally of one kind). */
    events(kind) {
      let text = "";
      try {
        text = readFileSync(join(dir, "events.jsonl"), "utf8");
      } catch {
        return [];
      }
      const all = text
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      return kind ? all.filter((e) => e.kind === kind) : all;
    },
    /** New token signing key for the vault (and an empty vault): every earlier token is refused from now on. */
    async rekey() {
      child.stdin.write(JSON.stringify({ op: "rekey" }) + "\n");
      const answer = await nextMessage();
      if (!answer.ok) throw new Error(`rekey failed: ${JSON.stringify(answer)}`);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin.end();
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}

/**
 * Writes az's azureProfile.json (with the byte-order mark az writes) into configDir, for one account:
 * kind "managed-identity" (what `az login --identity` leaves), "user" or "service-principal".
 */
export function writeAzProfile(configDir, account = {}) {
  mkdirSync(configDir, { recursive: true, mode: 0o700 });
  const kind = account.kind ?? "managed-identity";
  const tenant = account.tenantId ?? VAULT_TENANT;
  const user =
    kind === "managed-identity"
      ? { name: "systemAssignedIdentity", type: "servicePrincipal", assignedIdentityInfo: "MSI" }
      : kind === "service-principal"
        ? { name: account.clientId ?? "11111111-0000-0000-0000-000000000001", type: "servicePrincipal" }
        : { name: account.userName ?? "alice@contoso.example", type: "user" };
  const profile = {
    installationId: "00000000-0000-0000-0000-00000000c0de",
    subscriptions: [
      {
        id: account.subscriptionId ?? "22222222-0000-0000-0000-000000000001",
        name: kind === "managed-identity" ? "N/A(tenant level account)" : "Loopback subscription",
        state: "Enabled",
        user,
        isDefault: true,
        tenantId: tenant,
        environmentName: account.cloud ?? "AzureCloud",
        homeTenantId: tenant,
        managedByTenants: [],
      },
    ],
  };
  writeFileSync(join(configDir, "azureProfile.json"), "\uFEFF" + JSON.stringify(profile, null, 2), { mode: 0o600 });
}

/** The fake az's invocation log (see fake-az/az). */
export function fakeAzCalls(logFile) {
  try {
    return readFileSync(logFile, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}

export function removeDir(path) {
  rmSync(path, { recursive: true, force: true });
}
