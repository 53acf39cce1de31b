import { existsSync, linkSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SecurityDomain } from "./crypto/seal.js";
import { tightenMode } from "../shared/files.js";

// The installation's security domain lives beside the database, never inside it: the database alone
// (copied, attached to a bug report) reveals no key material. Copy this file to another data directory
// and backups move with it; without it they are refused, as across Managed HSMs.

export const SECURITY_DOMAIN_FILE = "security-domain.json";

interface DomainFile {
  format: 1;
  key: string;
}

/**
 * The data directory's security domain, created on first use. `sealedKeysExist` (the database's answer)
 * stops a new domain from being made for a database whose keys are sealed under a lost one: every key
 * would then fail to open, with nothing said when it happened.
 */
export function loadOrCreateSecurityDomain(dataDir: string, options: { sealedKeysExist?: () => boolean } = {}): SecurityDomain {
  const file = join(dataDir, SECURITY_DOMAIN_FILE);
  if (!existsSync(file) && options.sealedKeysExist?.()) {
    throw new Error(
      `${file} is missing, but the database beside it holds keys sealed under it. Put the file back (from a backup of this ` +
        "data directory), or move the database away to start with an empty vault.",
    );
  }
  if (!existsSync(file)) {
    const fresh = SecurityDomain.generate();
    const content: DomainFile = { format: 1, key: fresh.exportKey() };
    // Written under a private name and linked into place: link fails if another process won the race,
    // and a reader never sees a half-written file.
    const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(temp, JSON.stringify(content) + "\n", { mode: 0o600 });
    try {
      linkSync(temp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    } finally {
      unlinkSync(temp);
    }
  }
  // Tighten, never loosen: a 0400 file stays 0400, and a read-only data directory is still read.
  tightenMode(file, 0o600);
  const parsed = JSON.parse(readFileSync(file, "utf8")) as DomainFile;
  if (parsed.format !== 1 || typeof parsed.key !== "string") throw new Error(`${file} is not a kvkey security-domain file`);
  return new SecurityDomain(Buffer.from(parsed.key, "base64"));
}
