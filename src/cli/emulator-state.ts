import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

// What `kvkey emulator start` writes about a running emulator: emulator.json in its data directory.
// Read by the `emulator` group (start, status, stop, and fault, which must know whether the emulator
// it would reach keeps its state in memory).

export const STATE_FILE = "emulator.json";

export interface EmulatorState {
  pid: number;
  url: string;
  port: number;
  host: string;
  dataDir: string;
  caPath: string;
  auth: string;
  /** For DefaultAzureCredential in apps: IDENTITY_ENDPOINT and IDENTITY_HEADER. */
  identityEndpoint: string;
  identityHeader: string;
  /** The oid of the managed-identity endpoint's tokens, when fixed (--identity-principal). */
  identityPrincipal?: string;
  /** State in memory: the data directory holds only emulator.json and the CA, nothing it serves. */
  inMemory: boolean;
  /** Failing like Azure (docs/emulator.md, "Testing failure"): the profile, and whether the service limits apply. */
  profile: string | null;
  throttle: boolean;
  started: string;
}

export function readState(dataDir: string): EmulatorState | undefined {
  const file = join(dataDir, STATE_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as EmulatorState;
  } catch {
    return undefined;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The emulator serving a data directory right now, if one is. */
export function runningEmulator(dataDir: string): EmulatorState | undefined {
  const state = readState(dataDir);
  return state && alive(state.pid) ? state : undefined;
}
