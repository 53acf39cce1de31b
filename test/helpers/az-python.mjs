// What /work/shared/tools/debian-az/setup-az.sh does machine-wide, in a private directory instead, for
// Debian's az 2.45 against a served kvkey emulator: the track-1 shim Debian's az lacks (with Microsoft's
// own auth code copied from the installed package), *.localhost resolved to loopback for that Python
// only (sitecustomize.py, no /etc/hosts edit), and a CA bundle that trusts the emulator's CA. Used by
// test/served/az-cli.test.ts and scripts/az-diff.mjs.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const AZ_SHIM = process.env.AZ_SHIM ?? "/work/shared/tools/debian-az/az-shim";
export const AZ_VENDORED_T1 = "/usr/lib/python3/dist-packages/azure/cli/command_modules/keyvault/vendored_sdks/azure_keyvault_t1";

const AUTH_FILES = ["_internal.py", "http_bearer_challenge.py", "http_challenge.py", "http_message_security.py", "key_vault_authentication.py", "key_vault_id.py"];

/** Prepares `dir` and returns the PYTHONPATH entry (the shim) and the CA bundle (REQUESTS_CA_BUNDLE). */
export function prepareAzPython(dir, caPem) {
  const shim = join(dir, "shim");
  cpSync(AZ_SHIM, shim, { recursive: true });
  for (const f of AUTH_FILES) cpSync(join(AZ_VENDORED_T1, f), join(shim, "azure", "keyvault", f));
  mkdirSync(join(shim, "azure", "keyvault", "http_bearer_challenge_cache"), { recursive: true });
  cpSync(join(AZ_VENDORED_T1, "http_bearer_challenge_cache", "__init__.py"), join(shim, "azure", "keyvault", "http_bearer_challenge_cache", "__init__.py"));
  writeFileSync(
    join(shim, "sitecustomize.py"),
    "import socket\n_gai = socket.getaddrinfo\n" +
      "def _local(host, *a, **k):\n    return _gai('127.0.0.1' if isinstance(host, str) and host.endswith('.localhost') else host, *a, **k)\n" +
      "socket.getaddrinfo = _local\n",
  );
  const bundle = join(dir, "bundle.pem");
  const system = existsSync("/etc/ssl/certs/ca-certificates.crt") ? readFileSync("/etc/ssl/certs/ca-certificates.crt", "utf8") : "";
  writeFileSync(bundle, system + caPem);
  return { shim, bundle };
}

/**
 * az logged in as a system-assigned managed identity of cloud `cloud` (what `az login --identity` writes),
 * in the az configuration directory `configDir`: az then asks MSI_ENDPOINT for its tokens.
 */
export function writeManagedIdentityProfile(configDir, cloud) {
  const tenant = "00000000-0000-0000-0000-00000000cafe";
  const account = {
    id: tenant,
    name: "N/A(tenant level account)",
    state: "Enabled",
    user: { name: "systemAssignedIdentity", type: "servicePrincipal", assignedIdentityInfo: "MSI" },
    isDefault: true,
    tenantId: tenant,
    environmentName: cloud,
    homeTenantId: tenant,
    managedByTenants: [],
  };
  writeFileSync(join(configDir, "azureProfile.json"), JSON.stringify({ installationId: "00000000-0000-0000-0000-00000000c0de", subscriptions: [account] }));
}
