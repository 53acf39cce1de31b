import { existsSync } from "node:fs";
import { join } from "node:path";
import { LOCAL_PRINCIPAL_ID, TokenAuthority, type IssuedToken } from "./http/auth.js";

/** The `oid` of kvkey's own tokens. */
export const LOCAL_PRINCIPAL = LOCAL_PRINCIPAL_ID;
import { loadOrCreateSecurityDomain, SECURITY_DOMAIN_FILE } from "./security-domain-file.js";

// A public entry of the emulator, for a client on the same machine (vault-client/served-client.ts):
// tokens a served emulator on a data directory accepts in `--auth strict` mode, minted with that data
// directory's security domain as the emulator itself mints them. Loads neither the store nor the
// service: only the domain file and the token signer.

/**
 * Issues tokens for the emulator of `dataDir` (`oid`: the principal RBAC checks); undefined when the
 * directory has no security domain (yet), unless `create` makes one (as the emulator would).
 */
export function dataDirTokenIssuer(
  dataDir: string,
  options: { create?: boolean } = {},
): ((subject: string, audience?: string, oid?: string) => IssuedToken) | undefined {
  if (!existsSync(join(dataDir, SECURITY_DOMAIN_FILE))) {
    // A database without its domain file is not given a new domain here (createEmulator refuses it too).
    if (!options.create || existsSync(join(dataDir, "kvkey.db"))) return undefined;
  }
  const authority = new TokenAuthority(loadOrCreateSecurityDomain(dataDir).deriveKey("token signing"));
  return (subject, audience, oid) => authority.issue(subject, audience, oid);
}
