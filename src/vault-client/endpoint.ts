import { isLocalVaultHost } from "./local-host.js";

// How kvkey reaches a vault URL. The host decides: `*.localhost` without a port is the embedded vault
// (in-process), with a port the served emulator over HTTPS, anything else real Azure.

export type Transport = "embedded" | "served" | "azure";

export interface VaultEndpoint {
  /** `https://demo.vault.localhost`, `https://prod.vault.azure.net`, ... (no trailing slash). */
  vaultUrl: string;
  transport: Transport;
  /** Whether the host names a Managed HSM. */
  managedHsm: boolean;
}

export function endpointFor(vaultUrl: string): VaultEndpoint {
  const url = new URL(vaultUrl);
  const local = isLocalVaultHost(url.hostname);
  const transport: Transport = local ? (url.port ? "served" : "embedded") : "azure";
  return { vaultUrl: `${url.protocol}//${url.host}`, transport, managedHsm: url.hostname.split(".")[1] === "managedhsm" };
}
