import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tightenMode } from "../../shared/files.js";

// Access tokens kept across kvkey runs, so that a command does not pay for `az account get-access-token`
// (~0.6 s of Python) or a token request every time, as az itself reuses its MSAL cache. The file is
// kvkey's own ($KVKEY_HOME/azure-tokens.json, 0600 in a 0700 directory); az's files are never written
// (docs/azure.md says why). An entry is found by a hash of (credential and account, tenant, scope), so a
// different login, account, tenant or scope never sees it; it is used only while it has more than
// REFRESH_MARGIN_MS left, and dropped as soon as a vault rejects it (401).

export const TOKEN_CACHE_FILE = "azure-tokens.json";
/** A token with less than this left is not handed out: long commands and clock skew stay covered. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

export interface CachedToken {
  token: string;
  /** Milliseconds since the epoch. */
  expiresOnTimestamp: number;
}

interface Entry extends CachedToken {
  key: string;
  /** Which credential got it (for people reading the file; never part of a lookup). */
  source: string;
}

interface CacheFile {
  version: 1;
  tokens: Entry[];
}

/** The lookup key: what the token was got for, hashed so the file holds no account names. */
export function tokenCacheKey(account: readonly string[], tenantId: string | undefined, scope: string): string {
  return createHash("sha256")
    .update(JSON.stringify([...account, (tenantId ?? "").toLowerCase(), scope.toLowerCase()]))
    .digest("hex");
}

export class TokenCache {
  private readonly memory = new Map<string, Entry>();
  private loaded = false;

  /** `dir` undefined: this process only (nothing written). */
  constructor(
    private readonly dir: string | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  get path(): string | undefined {
    return this.dir === undefined ? undefined : join(this.dir, TOKEN_CACHE_FILE);
  }

  lookup(key: string): CachedToken | undefined {
    this.load();
    const entry = this.memory.get(key);
    if (!entry) return undefined;
    if (entry.expiresOnTimestamp - REFRESH_MARGIN_MS <= this.now()) return undefined;
    return { token: entry.token, expiresOnTimestamp: entry.expiresOnTimestamp };
  }

  store(key: string, token: CachedToken, source: string): void {
    this.load();
    const entry: Entry = { key, token: token.token, expiresOnTimestamp: token.expiresOnTimestamp, source };
    this.memory.set(key, entry);
    this.update((tokens) => [...tokens.filter((t) => t.key !== key), entry]);
  }

  /** Forgets a token a vault refused, here and in the file. True when it was cached. */
  reject(token: string): boolean {
    this.load();
    let found = false;
    for (const [key, entry] of this.memory) {
      if (entry.token === token) {
        this.memory.delete(key);
        found = true;
      }
    }
    if (found) this.update((tokens) => tokens.filter((t) => t.token !== token));
    return found;
  }

  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    for (const entry of this.readFile()) this.memory.set(entry.key, entry);
  }

  private readFile(): Entry[] {
    const path = this.path;
    if (!path) return [];
    try {
      tightenMode(path, 0o600);
      const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<CacheFile>;
      if (parsed.version !== 1 || !Array.isArray(parsed.tokens)) return [];
      return parsed.tokens.filter(
        (t): t is Entry =>
          typeof t === "object" && t !== null && typeof t.key === "string" && typeof t.token === "string" && Number.isFinite(t.expiresOnTimestamp),
      );
    } catch {
      // Missing or unreadable (half-written by a crashed kvkey, edited by hand): start empty; the next
      // write replaces it whole.
      return [];
    }
  }

  /**
   * Read-modify-write of the file, replaced atomically (temporary file + rename) so a reader never sees
   * half a file. Two kvkey processes writing at once may lose one entry: the loser fetches a token again
   * next time, nothing worse. Expired entries are pruned on every write.
   */
  private update(change: (tokens: Entry[]) => Entry[]): void {
    const path = this.path;
    if (!path || this.dir === undefined) return;
    const now = this.now();
    const tokens = change(this.readFile()).filter((t) => t.expiresOnTimestamp > now);
    const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      tightenMode(this.dir, 0o700);
      writeFileSync(temp, JSON.stringify({ version: 1, tokens } satisfies CacheFile), { mode: 0o600 });
      renameSync(temp, path);
    } catch {
      // A read-only or full home must not fail the command that got the token: it only costs a fetch next time.
      rmSync(temp, { force: true });
    }
  }
}
