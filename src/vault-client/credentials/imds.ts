import { request } from "node:http";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// Is there an Azure instance metadata service (IMDS) to get a managed-identity token from? Off Azure the
// address 169.254.169.254 usually drops packets, so asking costs the whole probe timeout; kvkey asks at
// most once per IMDS_MEMORY_MS and remembers a failed probe in $KVKEY_HOME. The probe is a plain request
// without the Metadata header (IMDS answers it at once with a 400), made here rather than through the
// SDK's HTTP client so that no timer or socket outlives it.

export const IMDS_PROBE_FILE = "azure-imds-probe.json";
/** How long a failed probe is believed. */
export const IMDS_MEMORY_MS = 10 * 60_000;
/** @azure/identity's probe timeout. */
export const IMDS_PROBE_TIMEOUT_MS = 1_000;
const DEFAULT_IMDS_HOST = "http://169.254.169.254";

export function imdsHost(env: Record<string, string | undefined>): string {
  return env.AZURE_POD_IDENTITY_AUTHORITY_HOST || DEFAULT_IMDS_HOST;
}

export interface ImdsVerdict {
  available: boolean;
  /** Why not, for messages. */
  reason?: string;
  /** Whether the verdict came from an earlier probe. */
  remembered: boolean;
}

export async function probeImds(env: Record<string, string | undefined>, home: string, now: () => number = Date.now): Promise<ImdsVerdict> {
  const host = imdsHost(env);
  const memoryFile = join(home, IMDS_PROBE_FILE);
  const remembered = readMemory(memoryFile);
  if (remembered && remembered.host === host && now() - remembered.failedAt < IMDS_MEMORY_MS && remembered.failedAt <= now()) {
    const age = Math.round((now() - remembered.failedAt) / 1000);
    return {
      available: false,
      remembered: true,
      reason: `IMDS at ${host} did not answer ${age < 120 ? `${age} s` : `${Math.round(age / 60)} min`} ago (${remembered.reason}), not asked again for ${IMDS_MEMORY_MS / 60_000} min`,
    };
  }
  const failure = await ping(host);
  if (failure === undefined) {
    if (remembered) rmSync(memoryFile, { force: true });
    return { available: true, remembered: false };
  }
  writeMemory(home, memoryFile, { host, failedAt: now(), reason: failure });
  return { available: false, remembered: false, reason: `IMDS at ${host} is not reachable (${failure})` };
}

/** undefined when IMDS answered (any HTTP status), else why not. */
function ping(host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (failure: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(failure);
    };
    const url = new URL("/metadata/identity/oauth2/token", host);
    const req = request(url, { method: "GET", agent: false, headers: { Accept: "application/json" } }, (res) => {
      res.resume();
      finish(undefined);
    });
    req.on("error", (err: NodeJS.ErrnoException) => finish(err.code ?? err.message));
    const timer = setTimeout(() => finish(`no answer within ${IMDS_PROBE_TIMEOUT_MS / 1000} s`), IMDS_PROBE_TIMEOUT_MS);
    req.end();
  });
}

interface Memory {
  host: string;
  failedAt: number;
  reason: string;
}

function readMemory(path: string): Memory | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<Memory>;
    if (typeof parsed.host === "string" && typeof parsed.failedAt === "number" && typeof parsed.reason === "string") return parsed as Memory;
  } catch {
    // none yet
  }
  return undefined;
}

function writeMemory(home: string, path: string, memory: Memory): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    writeFileSync(temp, JSON.stringify(memory), { mode: 0o600 });
    renameSync(temp, path);
  } catch {
    rmSync(temp, { force: true });
  }
}
