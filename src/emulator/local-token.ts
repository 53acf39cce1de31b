import { existsSync } from "node:fs";
import { join } from "node:path";
import { TokenAuthority, type IssuedToken } from "./http/auth.js";
import { loadOrCreateSecurityDomain, SECURITY_DOMAIN_FILE } from "./security-domain-file.js";

// A public entry of the emulator, for a client on the same machine (vault-client/served-client.ts):
// tokens a served emulator on a data directory accepts in `--auth strict` mode, minted with that data
// directory's security domain as the emulator itself mints them. Loads neither the store nor the
// service: only the domain file and the token signer.

/** Issues tokens for the emulator of `dataDir`; undefined when the directory has no security domain (yet). */
export function dataDirTokenIssuer(dataDir: string): ((subject: string, audience?: string) => IssuedToken) | undefined {
  if (!existsSync(join(dataDir, SECURITY_DOMAIN_FILE))) return undefined;
  const authority = new TokenAuthority(loadOrCreateSecurityDomain(dataDir).deriveKey("token signing"));
  return (subject, audience) => authority.issue(subject, audience);
}
