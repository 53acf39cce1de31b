import { existsSync } from "node:fs";
import { join } from "node:path";
import type { VaultClients } from "../../vault-client/factory.js";
import { activeCloudName, findCloud, localCloudAt, type Cloud } from "../../vault-client/clouds.js";
import { endpointFor } from "../../vault-client/endpoint.js";
import { resolveVaultUrl } from "../args/id-args.js";
import { readConfig } from "../config.js";
import { withDefaultVault } from "../args/key-target.js";
import type { Settings } from "../settings.js";
import { startsWith, type DynamicValues, type LineContext } from "./engine.js";

// Names completion has to look up: keys (or deleted keys) in the vault the line names — or the
// configured default vault — and the embedded emulator's vaults. Quiet and bounded: any failure or a
// slow vault (Azure sign-in, a far region) gives no names, never an error on the user's terminal.

export interface VaultLookupOptions {
  home: string;
  env: Record<string, string | undefined>;
  settings: Settings;
  /** The vault clients to use (a session's, or ones made for this one request). */
  clients(): Promise<VaultClients>;
  /** Give up after this long (default: `KVKEY_COMPLETION_TIMEOUT` seconds, else 2 s). */
  timeoutMs?: number;
  /** Most names to offer (default 500), counted among those that match what was typed. */
  limit?: number;
}

function activeCloud(line: LineContext, env: Record<string, string | undefined>, home: string): Cloud | undefined {
  const config = readConfig(home);
  const found = findCloud(activeCloudName(line.given.get("--cloud"), env, config.cloud?.name).name);
  const endpoint = env.KVKEY_EMULATOR_URL || config.cloud?.endpoint;
  if (found?.local && endpoint) return localCloudAt(endpoint);
  return found;
}

/**
 * How long Tab may wait for names: 2 s by default, so a slow vault never holds up a terminal;
 * `KVKEY_COMPLETION_TIMEOUT` (seconds) for a vault that is known to be slow to list.
 */
function lookupTimeoutMs(env: Record<string, string | undefined>): number {
  const seconds = Number(env.KVKEY_COMPLETION_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 2000;
}

export function vaultLookups(options: VaultLookupOptions): DynamicValues {
  const { home, env, settings } = options;
  const database = join(home, "kvkey.db");
  return {
    async values(source, line, prefix) {
      const cloud = activeCloud(line, env, home);
      if (!cloud) return [];
      if (source === "vault-names" || source === "hsm-names") {
        // Only the embedded vault can be listed without a control plane.
        if (!cloud.local || cloud.endpoint || !existsSync(database)) return [];
        const { createEmulator } = await import("../../emulator/index.js");
        const emulator = createEmulator({ dataDir: home });
        try {
          const kind = source === "vault-names" ? "vault" : "managedhsm";
          return emulator.listVaults().filter((v) => v.kind === kind && startsWith(v.name, prefix)).map((v) => v.name);
        } finally {
          emulator.close();
        }
      }
      const ids: Record<string, string> = {};
      for (const [flag, key] of [["--id", "id"], ["--vault-name", "vaultName"], ["--hsm-name", "hsmName"]] as const) {
        const value = line.given.get(flag);
        if (value !== undefined) ids[key] = value;
      }
      const vaultUrl = resolveVaultUrl(withDefaultVault(ids, settings), cloud);
      // Never create the embedded vault's files just to complete a name.
      if (endpointFor(vaultUrl).transport === "embedded" && !existsSync(database)) return [];
      return withTimeout(options.timeoutMs ?? lookupTimeoutMs(env), async (signal) => {
        const client = await (await options.clients()).keyClient(vaultUrl, line.given.get("--subscription"));
        const limit = options.limit ?? 500;
        const names: string[] = [];
        // The list API has no name filter: every page is read, and only matches count towards the cap.
        if (source === "key-names") {
          for await (const item of client.listPropertiesOfKeys({ abortSignal: signal })) {
            if (!item.managed && startsWith(item.name, prefix)) names.push(item.name);
            if (names.length >= limit) break;
          }
        } else {
          for await (const item of client.listDeletedKeys({ abortSignal: signal })) {
            if (startsWith(item.name, prefix)) names.push(item.name);
            if (names.length >= limit) break;
          }
        }
        return names;
      });
    },
  };
}

async function withTimeout(ms: number, work: (signal: AbortSignal) => Promise<string[]>): Promise<string[]> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<string[]>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve([]);
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal).catch(() => []), expired]);
  } finally {
    clearTimeout(timer);
  }
}
