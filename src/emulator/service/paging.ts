import { VaultErrors } from "../domain/errors.js";
import type { Vault } from "../domain/vault.js";
import type { KeyVersion } from "../domain/key.js";
import type { KeyListEntry, KeyStore } from "../store/key-store.js";

// Paged lists (keys, deleted keys, versions). Skip tokens are opaque to callers: a kind letter and the
// cursor, base64url-encoded. One extra row tells whether another page exists without a second query.

export interface Page<T> {
  items: T[];
  /** Opaque continuation; undefined on the last page. */
  next?: string;
}

/** A page of the keys (or the deleted keys) of a vault, by name. */
export function keyPage<T>(
  store: KeyStore,
  vault: Vault,
  deleted: boolean,
  pageSize: number,
  token: string | undefined,
  map: (e: KeyListEntry) => T,
): Page<T> {
  const afterName = token === undefined ? undefined : decodeToken(token, "n");
  const rows = store.listKeys(vault.id, { deleted, limit: pageSize + 1, ...(afterName !== undefined ? { afterName } : {}) });
  const items = rows.slice(0, pageSize);
  const page: Page<T> = { items: items.map(map) };
  if (rows.length > pageSize) page.next = encodeToken("n", items[items.length - 1]!.latest.name);
  return page;
}

/** A page of a key's versions, oldest first. */
export function versionPage<T>(
  store: KeyStore,
  vault: Vault,
  name: string,
  pageSize: number,
  token: string | undefined,
  map: (row: { version: KeyVersion }) => T,
): Page<T> {
  const afterSeq = token === undefined ? undefined : Number(decodeToken(token, "v"));
  if (afterSeq !== undefined && !Number.isSafeInteger(afterSeq)) throw invalidToken();
  const rows = store.listVersions(vault.id, name, { limit: pageSize + 1, ...(afterSeq !== undefined ? { afterSeq } : {}) });
  const items = rows.slice(0, pageSize);
  const page: Page<T> = { items: items.map(map) };
  if (rows.length > pageSize) page.next = encodeToken("v", String(items[items.length - 1]!.seq));
  return page;
}

function encodeToken(kind: "n" | "v", cursor: string): string {
  return Buffer.from(`${kind}:${cursor}`, "utf8").toString("base64url");
}

function decodeToken(token: string, kind: "n" | "v"): string {
  const text = Buffer.from(token, "base64url").toString("utf8");
  if (!text.startsWith(`${kind}:`)) throw invalidToken();
  return text.slice(2);
}

function invalidToken() {
  return VaultErrors.badParameter("The $skiptoken is invalid; use the nextLink the previous page returned.");
}
