/** Hosts that belong to the local emulator, never to Azure. */
export function isLocalVaultHost(hostname: string): boolean {
  return hostname === "localhost" || hostname.endsWith(".localhost");
}
