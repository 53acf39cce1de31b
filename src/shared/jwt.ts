// The claims of a JWT, read without checking anything: who a token says it is, for the audit log and
// for the emulator's `--auth any` mode, where every token is trusted as it comes.

/** The payload of a JWT; {} for anything that is not one. */
export function readUnverifiedClaims(token: string): Record<string, unknown> {
  const parts = token.split(".");
  if (parts.length !== 3) return {};
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")) as unknown;
    return typeof payload === "object" && payload !== null && !Array.isArray(payload) ? (payload as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
