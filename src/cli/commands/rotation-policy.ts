import type { KeyRotationLifetimeAction, KeyRotationPolicy, KeyRotationPolicyAction, KeyRotationPolicyProperties } from "@azure/keyvault-keys";
import { defineCommand } from "../spec.js";
import { keyIdOptions } from "../args/id-args.js";
import { UsageError, ValidationError } from "../errors.js";
import { jsonFromFileOrText } from "../args/values.js";
import { isoDate } from "../views/key-view.js";
import { rotationPolicyTable } from "../views/tables.js";
import { idArgs, keyTarget } from "../args/key-target.js";
import { rawString } from "../args/raw.js";

// `rotation-policy show|update`: az prints the Python SDK's model (createdOn, expiresIn, id,
// lifetimeActions[{action, timeAfterCreate, timeBeforeExpiry}], updatedOn), not the REST shape, and
// `update --value` takes a JSON string or a file in three spellings (REST camelCase, snake_case, the
// flattened SDK shape): az snake-cases every key first and then reads either shape (PR #20530).

type Json = Record<string, unknown>;

export function rotationPolicyView(policy: KeyRotationPolicy): Json {
  return {
    createdOn: isoDate(policy.createdOn),
    expiresIn: policy.expiresIn ?? null,
    id: policy.id ?? null,
    lifetimeActions: (policy.lifetimeActions ?? []).map((a) => ({
      action: a.action ?? null,
      timeAfterCreate: a.timeAfterCreate ?? null,
      timeBeforeExpiry: a.timeBeforeExpiry ?? null,
    })),
    updatedOn: isoDate(policy.updatedOn),
  };
}

/** Python's `not value`: what az treats as "no policy". */
function falsy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === "") return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === "object" && Object.keys(value as object).length === 0;
}

/** azure-cli's _convert_to_snake_case: every key of every object, recursively. */
export function snakeCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeCaseKeys);
  if (typeof value !== "object" || value === null) return value;
  const out: Json = {};
  for (const [key, inner] of Object.entries(value)) {
    const s1 = key.replace(/(.)([A-Z][a-z]+)/g, "$1_$2");
    out[s1.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase()] = snakeCaseKeys(inner);
  }
  return out;
}

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

/** az's update_key_rotation_policy: the --value text (or file) -> the SDK's policy properties. */
export function policyFromValue(value: string, cwd: string): KeyRotationPolicyProperties {
  // One line (az prints the text and the detail on lines of their own; a policy file can be long).
  const policy = snakeCaseKeys(jsonFromFileOrText("--value", value, cwd));
  if (falsy(policy) || !isObject(policy)) throw new ValidationError("Please specify a valid policy");

  const lifetimeActions: KeyRotationLifetimeAction[] = [];
  const actions = policy.lifetime_actions;
  if (!falsy(actions)) {
    if (!Array.isArray(actions)) throw new ValidationError("Please specify a valid policy");
    for (const item of actions) {
      if (!isObject(item)) throw new ValidationError("Please specify a valid policy");
      // REST/snake shape: {action: {type}, trigger: {...}}; flattened SDK shape: {action: "Rotate", time_after_create: ...}.
      const action = item.action;
      const type = isObject(action) ? action.type : falsy(action) ? undefined : action;
      const trigger = isObject(item.trigger) && !falsy(item.trigger) ? item.trigger : item;
      const entry: { -readonly [K in keyof KeyRotationLifetimeAction]: KeyRotationLifetimeAction[K] } = { action: type as KeyRotationPolicyAction };
      if (typeof trigger.time_after_create === "string") entry.timeAfterCreate = trigger.time_after_create;
      if (typeof trigger.time_before_expiry === "string") entry.timeBeforeExpiry = trigger.time_before_expiry;
      lifetimeActions.push(entry);
    }
  }
  let expiresIn = policy.expires_in;
  if (!falsy(policy.attributes) && isObject(policy.attributes)) {
    expiresIn = falsy(policy.attributes.expires_in) ? policy.attributes.expiry_time : policy.attributes.expires_in;
  }
  const properties: { -readonly [K in keyof KeyRotationPolicyProperties]: KeyRotationPolicyProperties[K] } = { lifetimeActions };
  if (typeof expiresIn === "string") properties.expiresIn = expiresIn;
  return properties;
}

export const rotationPolicyShowCommand = defineCommand({
  path: ["rotation-policy", "show"],
  summary: "Get the rotation policy of a Key Vault key.",
  options: keyIdOptions({ version: false, collection: "keys" }),
  examples: [{ title: "Show a key's rotation policy.", command: "kvkey rotation-policy show --vault-name demo -n mykey" }],
  parse: (raw) => idArgs(raw),
  async run(ids, ctx) {
    const { client, address } = await keyTarget(ctx, ids);
    return rotationPolicyView(await client.getKeyRotationPolicy(address.name));
  },
  tableView: rotationPolicyTable,
});

export const rotationPolicyUpdateCommand = defineCommand({
  path: ["rotation-policy", "update"],
  summary: "Update the rotation policy of a Key Vault key.",
  description:
    "The policy is JSON in the REST shape ({\"lifetimeActions\": [{\"trigger\": {\"timeAfterCreate\": \"P90D\"}, \"action\": {\"type\": \"Rotate\"}}], " +
    "\"attributes\": {\"expiryTime\": \"P2Y\"}}), in snake_case, or in the flattened SDK shape ({\"lifetimeActions\": [{\"action\": \"Rotate\", " +
    "\"timeAfterCreate\": \"P90D\"}], \"expiresIn\": \"P2Y\"}).",
  options: [
    ...keyIdOptions({ version: false, collection: "keys" }),
    { flags: "--value <policy>", help: "The rotation policy file definition as JSON, or a path to a file containing JSON policy definition.", required: true },
  ],
  examples: [
    {
      title: "Rotate every 90 days; new versions expire after two years.",
      command: `kvkey rotation-policy update --vault-name demo -n mykey --value '{"lifetimeActions":[{"trigger":{"timeAfterCreate":"P90D"},"action":{"type":"Rotate"}}],"attributes":{"expiryTime":"P2Y"}}'`,
    },
    { title: "Read the policy from a file.", command: "kvkey rotation-policy update --hsm-name myhsm -n mykey --value policy.json" },
  ],
  parse(raw, { cwd }) {
    const value = rawString(raw, "value");
    if (value === undefined) throw new UsageError("the following arguments are required: --value");
    return { ids: idArgs(raw), value, cwd };
  },
  async run(o, ctx) {
    // The policy is read before the vault is reached, as az does.
    const policy = policyFromValue(o.value, o.cwd);
    const { client, address } = await keyTarget(ctx, o.ids);
    return rotationPolicyView(await client.updateKeyRotationPolicy(address.name, policy));
  },
  tableView: rotationPolicyTable,
});
