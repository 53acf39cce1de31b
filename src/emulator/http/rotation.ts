import { VaultErrors } from "../domain/errors.js";
import type { RotationPolicyInput } from "../domain/rotation-policy.js";
import type { RotationPolicyView } from "../service/rotation-service.js";

// The wire side of rotation policies: KeyRotationPolicy JSON <-> the domain. GET and PUT
// /keys/{name}/rotationpolicy answer {id, lifetimeActions: [{trigger, action: {type}}], attributes:
// {expiryTime, created, updated}} (times in Unix seconds; created/updated only once a policy was set).

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalString(obj: Json, member: string, path: string): string | undefined {
  const value = obj[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw VaultErrors.badParameter(`The member '${path}' must be a string (an ISO 8601 duration).`);
  return value;
}

export function parseRotationPolicy(body: Json): RotationPolicyInput {
  const actions = body.lifetimeActions;
  if (actions !== undefined && actions !== null && !Array.isArray(actions)) {
    throw VaultErrors.badParameter("The member 'lifetimeActions' must be an array.");
  }
  const input: RotationPolicyInput = {
    lifetimeActions: ((actions as unknown[] | null | undefined) ?? []).map((item, i) => {
      const where = `lifetimeActions[${i}]`;
      if (!isObject(item)) throw VaultErrors.badParameter(`The member '${where}' must be an object with 'trigger' and 'action'.`);
      const trigger = item.trigger ?? {};
      if (!isObject(trigger)) throw VaultErrors.badParameter(`The member '${where}.trigger' must be an object.`);
      const action = item.action;
      if (!isObject(action) || typeof action.type !== "string") {
        throw VaultErrors.badParameter(`The member '${where}.action.type' (Rotate or Notify) is required.`);
      }
      const out: RotationPolicyInput["lifetimeActions"][number] = { type: action.type };
      const tac = optionalString(trigger, "timeAfterCreate", `${where}.trigger.timeAfterCreate`);
      const tbe = optionalString(trigger, "timeBeforeExpiry", `${where}.trigger.timeBeforeExpiry`);
      if (tac !== undefined) out.timeAfterCreate = tac;
      if (tbe !== undefined) out.timeBeforeExpiry = tbe;
      return out;
    }),
  };
  const attributes = body.attributes;
  if (attributes !== undefined && attributes !== null) {
    if (!isObject(attributes)) throw VaultErrors.badParameter("The member 'attributes' must be an object.");
    const expiryTime = optionalString(attributes, "expiryTime", "attributes.expiryTime");
    if (expiryTime !== undefined) input.expiryTime = expiryTime;
  }
  return input;
}

export function rotationPolicyBody(baseUrl: string, view: RotationPolicyView): Json {
  const { policy } = view;
  const attributes: Json = {};
  if (policy.expiryTime !== undefined) attributes.expiryTime = policy.expiryTime;
  if (policy.created !== undefined) attributes.created = policy.created;
  if (policy.updated !== undefined) attributes.updated = policy.updated;
  return {
    id: `${baseUrl}/keys/${view.name}/rotationpolicy`,
    lifetimeActions: policy.lifetimeActions.map((a) => ({
      trigger: a.timeAfterCreate !== undefined ? { timeAfterCreate: a.timeAfterCreate } : { timeBeforeExpiry: a.timeBeforeExpiry },
      action: { type: a.type },
    })),
    attributes,
  };
}
