// Debian's az 2.45 pointed at the loopback Azure (test/helpers/loopback-azure), without touching the
// machine: a private AZURE_CONFIG_DIR with a managed-identity login (what `az login --identity` writes),
// a CA bundle of the system CAs plus the test CA (REQUESTS_CA_BUNDLE replaces az's trust store), and the
// track-1 `azure.keyvault` stand-in that Debian's az lacks (../shared/tools/debian-az/az-shim, plus
// Microsoft's own track-1 auth files copied from the installed package, as setup-az.sh does).
// Returns undefined (and why) when az or the shim is not available.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { MSI_ENDPOINT, writeAzProfile } from "../../test/helpers/loopback-azure/index.mjs";

const SHIM_SOURCE = "/work/shared/tools/debian-az/az-shim";
const VENDORED = "/usr/lib/python3/dist-packages/azure/cli/command_modules/keyvault/vendored_sdks/azure_keyvault_t1";
const TRACK1_FILES = ["_internal.py", "http_bearer_challenge.py", "http_challenge.py", "http_message_security.py", "key_vault_authentication.py", "key_vault_id.py"];

export function azAvailable() {
  if (spawnSync("sh", ["-c", "command -v az"]).status !== 0) return { ok: false, reason: "az is not installed (apt-get install azure-cli)" };
  if (!existsSync(SHIM_SOURCE)) return { ok: false, reason: `${SHIM_SOURCE} is missing (the track-1 shim Debian's az needs for keyvault commands)` };
  if (!existsSync(VENDORED)) return { ok: false, reason: `${VENDORED} is missing (unexpected azure-cli layout)` };
  return { ok: true };
}

/**
 * Prepares dir for az against `world`; returns the environment az runs with. `profile` is the account
 * written to azureProfile.json (default: a managed identity); null writes none (for a real `az login`).
 */
export function azLoopbackEnv(world, dir, profile = { kind: "managed-identity" }) {
  const shim = join(dir, "az-shim");
  if (!existsSync(shim)) {
    cpSync(SHIM_SOURCE, shim, { recursive: true });
    for (const f of TRACK1_FILES) cpSync(join(VENDORED, f), join(shim, "azure", "keyvault", f));
    mkdirSync(join(shim, "azure", "keyvault", "http_bearer_challenge_cache"), { recursive: true });
    cpSync(join(VENDORED, "http_bearer_challenge_cache", "__init__.py"), join(shim, "azure", "keyvault", "http_bearer_challenge_cache", "__init__.py"));
  }
  const bundle = join(dir, "ca-bundle.pem");
  writeFileSync(bundle, readFileSync("/etc/ssl/certs/ca-certificates.crt", "utf8") + "\n" + world.caPem);
  const configDir = join(dir, "azure-config");
  if (profile) writeAzProfile(configDir, profile);
  else mkdirSync(configDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(configDir, "config"), "[core]\ncollect_telemetry = false\nsurvey_message = false\nfirst_run = no\n\n[cloud]\nname = AzureCloud\n");
  return {
    PATH: process.env.PATH,
    HOME: dir,
    AZURE_CONFIG_DIR: configDir,
    PYTHONPATH: shim,
    REQUESTS_CA_BUNDLE: bundle,
    MSI_ENDPOINT,
    AZURE_CORE_COLLECT_TELEMETRY: "false",
    AZURE_CORE_NO_COLOR: "true",
    LANG: "C.UTF-8",
  };
}
