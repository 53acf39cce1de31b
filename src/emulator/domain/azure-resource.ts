import type { VaultKind } from "./vault.js";

// Where an emulated vault would live in Azure Resource Manager, for the fields of logs and events that
// carry a resource id (AuditEvent `resourceId`, Event Grid `topic`). The subscription and resource group
// are fixed, recognisable placeholders: the emulator has no control plane.

export const LOCAL_SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000";
export const LOCAL_RESOURCE_GROUP = "kvkey-local";

/** `/subscriptions/{sub}/resourceGroups/kvkey-local/providers/Microsoft.KeyVault/vaults/{name}` (managedHSMs for an HSM). */
export function armResourceId(vault: { name: string; kind: VaultKind }): string {
  const type = vault.kind === "vault" ? "vaults" : "managedHSMs";
  return `/subscriptions/${LOCAL_SUBSCRIPTION_ID}/resourceGroups/${LOCAL_RESOURCE_GROUP}/providers/Microsoft.KeyVault/${type}/${vault.name}`;
}
