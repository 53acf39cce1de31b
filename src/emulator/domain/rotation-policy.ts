import { VaultErrors } from "./errors.js";
import type { VaultKind } from "./vault.js";
import { durationSeconds, parseIsoDuration, SECONDS_PER } from "../../shared/duration.js";

// A key's rotation policy (KeyRotationPolicy): lifetime actions (Rotate, Notify) with one trigger each
// (timeAfterCreate or timeBeforeExpiry, ISO 8601 durations) and expiryTime, the lifetime of each version
// a rotation creates. The rules below are the service's, as documented ("minimum 28 days" for
// expiryTime; rotation "minimum value is seven days from creation and seven days from expiration time";
// Notify is Key Vault only, Managed HSM has no Event Grid); the messages are the emulator's own.

export type LifetimeActionType = "Rotate" | "Notify";

export interface LifetimeAction {
  type: LifetimeActionType;
  /** Exactly one of the two triggers is set. */
  timeAfterCreate?: string;
  timeBeforeExpiry?: string;
}

/** What a caller asks for (PUT body, parsed). */
export interface RotationPolicyInput {
  lifetimeActions: Array<{ type: string; timeAfterCreate?: string; timeBeforeExpiry?: string }>;
  expiryTime?: string;
}

/** A stored policy: what the key row's rotation_policy column holds (JSON). */
export interface RotationPolicy {
  lifetimeActions: LifetimeAction[];
  expiryTime?: string;
  /** Unix seconds. */
  created: number;
  updated: number;
}

/** The least expiryTime the service accepts. */
export const MIN_EXPIRY_SECONDS = 28 * SECONDS_PER.day;
/** Triggers lie at least seven days from creation and from expiry. */
export const MIN_TRIGGER_SECONDS = 7 * SECONDS_PER.day;

/** Key Vault's policy when none was set (and what it adds when a PUT names no Notify action). */
export const DEFAULT_NOTIFY: LifetimeAction = { type: "Notify", timeBeforeExpiry: "P30D" };

/** Managed HSM's cap on versions of one key; rotations count toward it. */
export const MAX_HSM_KEY_VERSIONS = 100;

function durationOf(value: string, where: string): number {
  const parsed = parseIsoDuration(value);
  if (!parsed) {
    throw VaultErrors.badParameter(`The value '${value}' of ${where} is not a valid ISO 8601 duration (for example P90D, P1Y or PT48H).`);
  }
  return durationSeconds(parsed);
}

/**
 * Checks a requested policy and returns its lifetime actions and expiry as they will be stored.
 * In a key vault a policy without a Notify action gets the default one (Notify 30 days before expiry),
 * as the service's recorded answers show.
 */
export function validateRotationPolicy(input: RotationPolicyInput, kind: VaultKind): Omit<RotationPolicy, "created" | "updated"> {
  let expirySeconds: number | undefined;
  if (input.expiryTime !== undefined) {
    expirySeconds = durationOf(input.expiryTime, "attributes.expiryTime");
    if (expirySeconds < MIN_EXPIRY_SECONDS) {
      throw VaultErrors.badParameter(
        `The rotation policy's expiryTime (${input.expiryTime}) is shorter than the minimum of 28 days (P28D).`,
      );
    }
  }

  const actions: LifetimeAction[] = [];
  input.lifetimeActions.forEach((requested, i) => {
    const where = `lifetimeActions[${i}]`;
    const type = normalizeActionType(requested.type, where);
    const triggers = [requested.timeAfterCreate, requested.timeBeforeExpiry].filter((t) => t !== undefined);
    if (triggers.length !== 1) {
      throw VaultErrors.badParameter(
        `${where} must have exactly one trigger: timeAfterCreate or timeBeforeExpiry (it has ${triggers.length === 0 ? "none" : "both"}).`,
      );
    }
    if (type === "Notify" && kind === "managedhsm") {
      throw VaultErrors.badParameter(
        `${where}: Notify actions are not supported in a managed HSM (it sends no Event Grid notifications); use Rotate actions only.`,
      );
    }
    const action: LifetimeAction = { type };
    if (requested.timeAfterCreate !== undefined) {
      if (type === "Notify") {
        throw VaultErrors.badParameter(`${where}: a Notify action is triggered by timeBeforeExpiry only; timeAfterCreate applies to Rotate.`);
      }
      checkTrigger(requested.timeAfterCreate, `${where}.trigger.timeAfterCreate`, input.expiryTime, expirySeconds);
      action.timeAfterCreate = requested.timeAfterCreate;
    } else {
      const tbe = requested.timeBeforeExpiry!;
      if (type === "Rotate" && expirySeconds === undefined) {
        throw VaultErrors.badParameter(
          `${where}: a Rotate action triggered by timeBeforeExpiry needs the policy's attributes.expiryTime, which sets the expiry of each new version.`,
        );
      }
      checkTrigger(tbe, `${where}.trigger.timeBeforeExpiry`, input.expiryTime, expirySeconds);
      action.timeBeforeExpiry = tbe;
    }
    actions.push(action);
  });

  for (const type of ["Rotate", "Notify"] as const) {
    const count = actions.filter((a) => a.type === type).length;
    if (count > 1) throw VaultErrors.badParameter(`A rotation policy can have at most one ${type} action; this one has ${count}.`);
  }
  if (kind === "vault" && !actions.some((a) => a.type === "Notify")) actions.push({ ...DEFAULT_NOTIFY });

  const out: Omit<RotationPolicy, "created" | "updated"> = { lifetimeActions: actions };
  if (input.expiryTime !== undefined) out.expiryTime = input.expiryTime;
  return out;
}

function normalizeActionType(value: string, where: string): LifetimeActionType {
  const lower = value.toLowerCase();
  if (lower === "rotate") return "Rotate";
  if (lower === "notify") return "Notify";
  throw VaultErrors.badParameter(`${where}.action.type '${value}' is not a lifetime action; use Rotate or Notify.`);
}

/** At least seven days, and (with an expiryTime) at least seven days short of it, so it fits the version's lifetime. */
function checkTrigger(value: string, where: string, expiryTime: string | undefined, expirySeconds: number | undefined): void {
  const seconds = durationOf(value, where);
  if (seconds < MIN_TRIGGER_SECONDS) throw VaultErrors.badParameter(`${where} (${value}) is shorter than the minimum of 7 days (P7D).`);
  if (expirySeconds !== undefined && seconds > expirySeconds - MIN_TRIGGER_SECONDS) {
    throw VaultErrors.badParameter(
      `${where} (${value}) does not fit the policy's expiryTime (${expiryTime}): a trigger must lie at least 7 days after creation and at least 7 days before expiry.`,
    );
  }
}

/** The stored form (JSON text in the key row) and back. */
export function serializeRotationPolicy(policy: RotationPolicy): string {
  return JSON.stringify(policy);
}

export function parseStoredRotationPolicy(text: string | undefined): RotationPolicy | undefined {
  if (text === undefined) return undefined;
  return JSON.parse(text) as RotationPolicy;
}

/**
 * When the policy's Rotate action next comes due for a key whose latest version was created at
 * `created` and expires at `expires` (Unix seconds); undefined when it never will (no Rotate action, or
 * a timeBeforeExpiry trigger on a version without an expiry).
 */
export function nextRotationDue(policy: RotationPolicy | undefined, latest: { created: number; expires?: number }): number | undefined {
  const rotate = policy?.lifetimeActions.find((a) => a.type === "Rotate");
  if (!rotate) return undefined;
  if (rotate.timeAfterCreate !== undefined) return latest.created + durationSeconds(parseIsoDuration(rotate.timeAfterCreate)!);
  if (rotate.timeBeforeExpiry !== undefined && latest.expires !== undefined) {
    return latest.expires - durationSeconds(parseIsoDuration(rotate.timeBeforeExpiry)!);
  }
  return undefined;
}

/** The expiry of a version created at `now` under the policy (Unix seconds), if the policy sets one. */
export function rotatedExpiry(policy: RotationPolicy | undefined, now: number): number | undefined {
  return policy?.expiryTime === undefined ? undefined : now + durationSeconds(parseIsoDuration(policy.expiryTime)!);
}
