// Key Vault's wire encodes every binary member as base64url without padding (RFC 7515 §2);
// az prints the same bytes as standard padded base64. Both directions live here.

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

/**
 * Strict decoding: Node's decoder silently skips characters outside the alphabet, which would turn
 * a caller's typo into different bytes. Returns undefined for anything that is not base64url.
 * Trailing '=' padding is tolerated because several SDKs send it.
 */
export function fromBase64Url(text: string): Buffer | undefined {
  const trimmed = trimTrailing(text, "=");
  if (!BASE64URL.test(trimmed) || trimmed.length % 4 === 1) return undefined;
  return Buffer.from(trimmed, "base64url");
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict standard base64 (with or without padding); undefined when the text is not base64. */
export function fromBase64(text: string): Buffer | undefined {
  if (!BASE64.test(text)) return undefined;
  const bare = trimTrailing(text, "=");
  if (bare.length % 4 === 1) return undefined;
  return Buffer.from(bare, "base64");
}

/**
 * `text` without any run of `char` at its end. A loop, not `replace(/=+$/, "")`: that regex is
 * quadratic on a long run of the character followed by anything else (a megabyte of '=' then 'a' in a
 * request member took minutes), and callers pass untrusted input.
 */
export function trimTrailing(text: string, char: string): string {
  let end = text.length;
  while (end > 0 && text[end - 1] === char) end--;
  return end === text.length ? text : text.slice(0, end);
}
