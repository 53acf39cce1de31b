import type { VaultTarget } from "../service/key-service.js";

/** Where a request goes: the container, and the base URL its key ids are built on. */
export interface Addressed {
  target: VaultTarget;
  /** `https://demo.vault.localhost[:port]`, exactly as the client addressed it. */
  baseUrl: string;
  /** The host and port as sent, for messages. */
  host: string;
}

const VAULT_NAME = /^[0-9a-zA-Z-]{1,24}$/;

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
  if (labels.length >= 3 && (labels[1] === "vault" || labels[1] === "managedhsm") && VAULT_NAME.test(labels[0]!)) {
    return { target: { name: labels[0]!, kind: labels[1] === "vault" ? "vault" : "managedhsm" }, baseUrl, host };
  }
  if (defaultVault && (hostname === "localhost" || /^[0-9.]+$/.test(hostname) || hostname.includes(":"))) {
    return { target: defaultVault, baseUrl, host };
  }
  return undefined;
}

/** The audience the challenge names: the host without the vault's own label, keeping the port. */
export function challengeResource(addressed: Addressed): string {
  const [, ...rest] = addressed.host.split(".");
  const parent = rest.length >= 2 ? rest.join(".") : addressed.host;
  return `${addressed.baseUrl.split("//")[0]}//${parent}`;
}
