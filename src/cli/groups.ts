import type { GroupSpec } from "./spec.js";

// The command groups, apart from the commands so that group help needs no command module.

export const ROOT_GROUP: GroupSpec = {
  path: [],
  summary: "Manage keys in Azure Key Vault and Managed HSM — or in the local emulated vault, the default — with az keyvault key's commands and output.",
};

export const GROUPS: readonly GroupSpec[] = [
  { path: ["cloud"], summary: "Manage the clouds kvkey can target (Local, Azure)." },
  { path: ["config"], summary: "Manage kvkey's settings: default output, default vault, colour." },
  { path: ["emulator"], summary: "Serve the emulated vault over HTTPS for other programs and SDKs." },
  { path: ["emulator", "events"], summary: "Key Vault's Event Grid key events raised by the emulator, and the webhooks they are delivered to." },
  { path: ["emulator", "fault"], summary: "Fault rules of a served emulator: answer chosen requests with 429/500/503, a delay or a dropped connection." },
  { path: ["emulator", "vault"], summary: "Manage the emulator's key vaults and managed HSMs (soft-delete retention, purge protection, SKU, RBAC)." },
  { path: ["emulator", "role"], summary: "Role-based access to the emulator's managed HSMs and key vaults, as az keyvault role does." },
  { path: ["emulator", "role", "assignment"], summary: "Who may do what: role assignments of a managed HSM or an emulated key vault." },
  { path: ["emulator", "role", "definition"], summary: "The built-in roles of a managed HSM or a key vault." },
  { path: ["emulator", "security-domain"], summary: "Move a managed HSM's security domain to another HSM, as az keyvault security-domain does." },
  { path: ["rotation-policy"], summary: "Manage key's rotation policy." },
];
