import type { PrivateMaterial } from "../crypto/material.js";
import { monotonicMs } from "../../shared/monotonic.js";

// A bounded cache of unsealed key material, so a crypto operation on a hot key does not pay for
// AES-GCM opening, JSON parsing and (through privateKeyObject's memo) OpenSSL key set-up every time —
// for RSA the last alone doubles the cost of a signature.
//
// Correctness does not rest on invalidation: the key's row (attributes, deletion state) is still read
// from the store on every request, and an entry is found only by the exact sealed bytes of that row and
// the binding (vault/name/version) they were sealed to. Identical sealed bytes open to identical
// material, so an entry can never answer for anything but the row it was opened from — in this process
// or after another process (a cluster worker, the CLI) changed the database. Invalidation on update,
// delete and purge is hygiene: material of a purged key must not linger in memory.
//
// Bounds: at most `maxEntries` entries (least recently used go first) and `ttlMs` from when an entry was
// opened (then it is opened again from the store).

export interface MaterialCacheOptions {
  /** Default 1024 entries. 0 disables the cache. */
  maxEntries?: number;
  /** Default 5 minutes. */
  ttlMs?: number;
  /** Monotonic milliseconds (tests). */
  now?: () => number;
}

interface Entry {
  material: PrivateMaterial;
  expires: number;
}

export const DEFAULT_MATERIAL_CACHE_ENTRIES = 1024;
export const DEFAULT_MATERIAL_CACHE_TTL_MS = 5 * 60_000;

export class MaterialCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: MaterialCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? DEFAULT_MATERIAL_CACHE_ENTRIES;
    this.ttlMs = options.ttlMs ?? DEFAULT_MATERIAL_CACHE_TTL_MS;
    this.now = options.now ?? monotonicMs;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The material opened earlier from exactly these sealed bytes under this binding, if still fresh. */
  get(binding: string, sealed: Uint8Array): PrivateMaterial | undefined {
    if (this.maxEntries === 0) return undefined;
    const key = cacheKey(binding, sealed);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expires <= this.now()) return undefined;
    // Re-inserted: a Map iterates in insertion order, so the first key is the least recently used.
    this.entries.set(key, entry);
    return entry.material;
  }

  /** Remembers material opened from `sealed`; returns it frozen (callers share one object). */
  set(binding: string, sealed: Uint8Array, material: PrivateMaterial): PrivateMaterial {
    const frozen = Object.freeze(material);
    if (this.maxEntries === 0) return frozen;
    const key = cacheKey(binding, sealed);
    this.entries.delete(key);
    this.entries.set(key, { material: frozen, expires: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return frozen;
  }

  /** Forgets every entry whose binding starts with `prefix` (a key: `vault/name/`, a vault: `vault/`). */
  invalidate(prefix: string): void {
    const p = prefix.toLowerCase();
    for (const key of this.entries.keys()) if (key.startsWith(p)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

function cacheKey(binding: string, sealed: Uint8Array): string {
  return `${binding.toLowerCase()}\n${Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength).toString("base64")}`;
}
