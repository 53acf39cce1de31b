// Text from a vault reaches a terminal: key names, tag values, service messages, and in the emulator's
// audit log whatever a client put in a percent-encoded path or a token claim. A raw ESC, BEL, CR or LF
// there recolours the terminal, rings it, overwrites a line or forges one. Every human-readable
// rendering (table, tsv, the one-line forms, ERROR/WARNING lines) passes its text through here; JSON
// and YAML keep values exact (both escape control characters in their own syntax).

// C0 controls, DEL and the C1 controls (U+0080-U+009F: some terminals act on CSI U+009B as on ESC [).
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** True when the text holds a character escapeControl would rewrite. */
export function hasControl(text: string): boolean {
  CONTROL.lastIndex = 0;
  return CONTROL.test(text);
}

/**
 * The text with every control character written the way Python's repr writes it (az users read
 * Python's escapes): \n, \r, \t, and \xHH for the others (ESC is \x1b). Printable text, including
 * non-ASCII letters, is left as it is; a backslash is not doubled, so ordinary text reads unchanged.
 */
export function escapeControl(text: string, options: { keepLineBreaks?: boolean } = {}): string {
  if (!hasControl(text)) return text;
  return text.replace(CONTROL, (c) =>
    options.keepLineBreaks && (c === "\n" || c === "\t") ? c : (NAMED[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`),
  );
}
