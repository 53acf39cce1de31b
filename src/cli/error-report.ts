import { AuthenticationError, CliError, ConnectionError, ServiceError } from "./errors.js";
import { fsReason } from "../shared/files.js";

// The one place that turns anything thrown while running a command into an az-style CliError and its
// one-line message. Stack traces are for --debug only.

const CONNECT_CODES = new Set(["ENOTFOUND", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EAI_AGAIN", "EHOSTUNREACH"]);

interface RestErrorLike extends Error {
  statusCode?: number;
  code?: string;
  request?: { url?: string };
}

export function normalizeError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof Error) {
    const e = err as RestErrorLike;
    if (e.name === "RestError") {
      if (e.statusCode === undefined && e.code && CONNECT_CODES.has(e.code)) {
        const host = safeHost(e.request?.url);
        const kind = host?.includes("managedhsm") ? "HSM" : "Vault";
        return new ConnectionError(
          `Max retries exceeded attempting to connect to ${kind}${host ? ` ${host}` : ""}. The ${kind} may not exist or you may need to flush your DNS cache and try again later.`,
        );
      }
      const prefix = e.code ? `(${e.code}) ` : "";
      return new ServiceError(`${prefix}${e.message}`, e.statusCode, e.code);
    }
    if (e.name === "NoCredentialsError") return new AuthenticationError(e.message);
    // A file-system error no command words itself: say which file and why in words, not Node's
    // "ENOTDIR: not a directory, mkdir '/etc/passwd/x'".
    const fsError = e as NodeJS.ErrnoException;
    if (typeof fsError.syscall === "string" && typeof fsError.path === "string" && /^E[A-Z]+$/.test(String(fsError.code))) {
      return new CliError(`Cannot ${fsError.syscall} ${fsError.path}: ${fsReason(fsError)} (${fsError.code}).`);
    }
    if (e.name === "AuthenticationError" || e.name === "AggregateAuthenticationError") {
      return new AuthenticationError(`Authentication failed: ${firstLine(e.message)} Please run 'az login' to setup account.`);
    }
    return new CliError(firstLine(e.message));
  }
  return new CliError(String(err));
}

export function describeError(err: unknown): { message: string; stack?: string } {
  const normalized = normalizeError(err);
  const stack = err instanceof Error ? err.stack : undefined;
  return stack ? { message: normalized.message, stack } : { message: normalized.message };
}

function firstLine(text: string): string {
  return text.split("\n")[0]!.trim();
}

function safeHost(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}
