// Key identifiers are never stored: they are computed from the base URL of the request that asks,
// so the same key reads as https://demo.vault.localhost/keys/k/v in-process and with the port when served.

export function keyId(baseUrl: string, name: string, version?: string): string {
  return version ? `${baseUrl}/keys/${name}/${version}` : `${baseUrl}/keys/${name}`;
}

export function recoveryId(baseUrl: string, name: string): string {
  return `${baseUrl}/deletedkeys/${name}`;
}
