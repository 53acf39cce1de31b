import { VAULT_NAME_PATTERN, type VaultTarget } from "../domain/vault.js";

/** Where a request goes: the container, and the base URL its key ids are built on. */
export interface Addressed {
  target: VaultTarget;
  /** `https://demo.vault.localhost[:port]`, exactly as the client addressed it. */
  baseUrl: string;
  /** The host and port as sent, for messages. */
  host: string;
}

/**
 * The vault is chosen from the Host header, never from the path: `{name}.vault.<suffix>` is a key
 * vault and `{name}.managedhsm.<suffix>` a Managed HSM (the suffix is normally `localhost`). A bare
 * `localhost` or IP address maps to the configured default container, for clients that cannot resolve
 * `*.localhost` names.
 */
export function addressRequest(url: URL, hostHeader: string | undefined, defaultVault: VaultTarget | undefined): Addressed | undefined {
  const host = (hostHeader ?? url.host).toLowerCase();
  const hostname = host.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
  const baseUrl = `${url.protocol}//${host}`;
  const labels = hostname.split(".");
  if (labels.length >= 3 && (labels[1] === "vault" || labels[1] === "managedhsm") && VAULT_NAME_PATTERN.test(labels[0]!)) {
    return { target: { name: labels[0]!, kind: labels[1] === "vault" ? "vault" : "managedhsm" }, baseUrl, host };
  }
  if (defaultVault && (hostname === "localhost" || /^[0-9.]+$/.test(hostname) || hostname.includes(":"))) {
    return { target: defaultVault, baseUrl, host };
  }
  return undefined;
}

/**
 * The audience the challenge names: the host without the vault's own label, keeping the port
 * (`demo.vault.localhost:8443` -> `https://vault.localhost:8443`), since SDKs check that the vault host
 * ends with it. A bare `localhost` or IP host (the default container) names itself: dropping its first
 * "label" would turn `127.0.0.1:8443` into `0.0.1:8443`.
 */
export function challengeResource(addressed: Addressed): string {
  const scheme = addressed.baseUrl.split("//")[0];
  const labels = addressed.host.split(".");
  const vaultHost = labels.length >= 3 && (labels[1] === "vault" || labels[1] === "managedhsm");
  return `${scheme}//${vaultHost ? labels.slice(1).join(".") : addressed.host}`;
}
