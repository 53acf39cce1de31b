// The clouds kvkey knows. `Local` is kvkey's own: vault names resolve to the emulated vault
// (`https://{name}.vault.localhost`), served in-process. The Azure clouds carry the DNS suffixes and
// Entra authority az uses for them.

export interface Cloud {
  name: string;
  /** Suffix appended to --vault-name. */
  keyvaultDns: string;
  /** Suffix appended to --hsm-name. */
  mhsmDns: string;
  /** Entra authority host, for credentials (undefined for Local). */
  activeDirectory?: string;
  /** The resource manager endpoint az reports for the cloud. */
  resourceManager?: string;
  local: boolean;
  /** For Local: the served emulator's URL, when one is targeted. */
  endpoint?: string;
}

export const CLOUDS: readonly Cloud[] = [
  { name: "Local", keyvaultDns: ".vault.localhost", mhsmDns: ".managedhsm.localhost", local: true },
  {
    name: "AzureCloud",
    keyvaultDns: ".vault.azure.net",
    mhsmDns: ".managedhsm.azure.net",
    activeDirectory: "https://login.microsoftonline.com",
    resourceManager: "https://management.azure.com/",
    local: false,
  },
  {
    name: "AzureChinaCloud",
    keyvaultDns: ".vault.azure.cn",
    mhsmDns: ".managedhsm.azure.cn",
    activeDirectory: "https://login.chinacloudapi.cn",
    resourceManager: "https://management.chinacloudapi.cn/",
    local: false,
  },
  {
    name: "AzureUSGovernment",
    keyvaultDns: ".vault.usgovcloudapi.net",
    mhsmDns: ".managedhsm.usgovcloudapi.net",
    activeDirectory: "https://login.microsoftonline.us",
    resourceManager: "https://management.usgovcloudapi.net/",
    local: false,
  },
];

export const DEFAULT_CLOUD = "Local";

export function findCloud(name: string): Cloud | undefined {
  return CLOUDS.find((c) => c.name.toLowerCase() === name.toLowerCase());
}

/**
 * The Local cloud pointed at a served emulator: `--vault-name demo` becomes
 * `https://demo.vault.localhost:{port}` instead of the embedded vault.
 */
export function localCloudAt(endpoint: string): Cloud {
  const url = new URL(endpoint);
  const port = url.port ? `:${url.port}` : ":443";
  const local = findCloud("Local")!;
  return { ...local, keyvaultDns: `${local.keyvaultDns}${port}`, mhsmDns: `${local.mhsmDns}${port}`, endpoint: `https://localhost${port}` };
}

/** Where the active cloud's name came from, for `kvkey cloud show` and for messages. */
export type CloudSource = "--cloud" | "KVKEY_CLOUD" | "AZURE_CLOUD_NAME" | "config" | "default";

/**
 * The active cloud: `--cloud` beats `KVKEY_CLOUD`, which beats az's own `AZURE_CLOUD_NAME`, which beats
 * `kvkey cloud set` (config), which beats the default, Local.
 */
export function activeCloudName(
  flag: string | undefined,
  env: Record<string, string | undefined>,
  configured: string | undefined,
): { name: string; source: CloudSource } {
  if (flag) return { name: flag, source: "--cloud" };
  if (env.KVKEY_CLOUD) return { name: env.KVKEY_CLOUD, source: "KVKEY_CLOUD" };
  if (env.AZURE_CLOUD_NAME) return { name: env.AZURE_CLOUD_NAME, source: "AZURE_CLOUD_NAME" };
  if (configured) return { name: configured, source: "config" };
  return { name: DEFAULT_CLOUD, source: "default" };
}
