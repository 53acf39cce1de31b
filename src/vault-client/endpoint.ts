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

const EXPLICIT_PORT = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*:\d+(?:[/?#]|$)/i;

/**
 * The vault URL to reach, given the served emulator the Local cloud targets (`Cloud.endpoint`): one on
 * 443 answers `https://demo.vault.localhost` too (443 being https's default port), so a port-less local
 * URL - from --id, as az writes ids there - goes to it rather than to the embedded vault.
 */
export function servedVaultUrl(vaultUrl: string, servedEndpoint: string | undefined): string {
  if (!servedEndpoint || !EXPLICIT_PORT.test(servedEndpoint) || new URL(servedEndpoint).port !== "") return vaultUrl;
  const url = new URL(vaultUrl);
  if (!isLocalVaultHost(url.hostname) || url.port !== "" || EXPLICIT_PORT.test(vaultUrl) || url.protocol !== "https:") return vaultUrl;
  return `${url.protocol}//${url.hostname}:443`;
}

export function endpointFor(vaultUrl: string): VaultEndpoint {
  const url = new URL(vaultUrl);
  const local = isLocalVaultHost(url.hostname);
  // WHATWG URL drops https's default port (`new URL("https://v.vault.localhost:443").port` is ""), but a
  // served emulator may well listen on 443 (az 2.45's --id drops any other port): read the port as written.
  const transport: Transport = local ? (url.port || EXPLICIT_PORT.test(vaultUrl) ? "served" : "embedded") : "azure";
  return { vaultUrl: `${url.protocol}//${url.host}`, transport, managedHsm: url.hostname.split(".")[1] === "managedhsm" };
}
