import { resolve } from "node:path";
import type { RawOptions } from "../spec.js";
import { UsageError, ValidationError } from "../errors.js";
import { datetime } from "./values.js";
import { rawString } from "./raw.js";
import { durationSeconds, parseDuration } from "../../shared/duration.js";

// Options of the commands that work on an emulator's data directory (`kvkey emulator ...`, `assess`).

export const DATA_DIR_OPTION = { flags: "--data-dir <dir>", help: "Data directory of the emulator.", defaultText: "$KVKEY_HOME (~/.kvkey)" };

export function dataDirOf(raw: RawOptions, cwd: string): string | undefined {
  const dir = rawString(raw, "dataDir");
  return dir === undefined ? undefined : resolve(cwd, dir);
}

export type Since = { kind: "ago"; seconds: number } | { kind: "at"; ms: number };

/** `--since`: a duration back from the emulator's now (30m, 1h, P1D) or a UTC datetime. */
export function parseSince(value: string | undefined): Since | undefined {
  if (value === undefined) return undefined;
  const duration = parseDuration(value);
  if (duration) return { kind: "ago", seconds: durationSeconds(duration) };
  try {
    return { kind: "at", ms: datetime("--since", value)!.getTime() };
  } catch {
    throw new UsageError(`argument --since: invalid value: '${value}' (use a duration such as 30m, 12h, P1D, or a UTC datetime such as 2026-01-01T00:00:00Z)`);
  }
}

export function sinceMs(since: Since | undefined, emulatorNow: number): number | undefined {
  if (!since) return undefined;
  return since.kind === "at" ? since.ms : emulatorNow - since.seconds * 1000;
}

/** `--vault-name`/`--hsm-name` as a filter (not an address). */
export function vaultFilter(raw: RawOptions): { name: string; kind: "vault" | "managedhsm" } | undefined {
  const vault = rawString(raw, "vaultName");
  const hsm = rawString(raw, "hsmName");
  if (vault !== undefined && hsm !== undefined) throw new ValidationError("--vault-name and --hsm-name are mutually exclusive.");
  if (vault !== undefined) return { name: vault, kind: "vault" };
  if (hsm !== undefined) return { name: hsm, kind: "managedhsm" };
  return undefined;
}
