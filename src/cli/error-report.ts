import { AuthenticationError, CliError, ConnectionError, ServiceError } from "./errors.js";
import { serviceErrorBody } from "../vault-client/non-service-error-policy.js";
import { pythonJsonDumps } from "../output/json.js";
import { fsReason } from "../shared/files.js";

// The one place that turns anything thrown while running a command into an az-style CliError and its
// message. Stack traces are for --debug only.

const CONNECT_CODES = new Set(["ENOTFOUND", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EAI_AGAIN", "EHOSTUNREACH"]);

interface RestErrorLike extends Error {
  statusCode?: number;
  code?: string;
  request?: { url?: string };
  response?: { bodyAsText?: string | null };
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
      // What the service said, as azure-core's HttpResponseError words it (the SDK's own message for a
      // failed list page is "Pagination failed with unexpected statusCode 404").
      const odata = odataMessage(e.response?.bodyAsText ?? serviceErrorBody(e.request));
      if (odata) return new ServiceError(odata.text, e.statusCode, odata.code ?? e.code);
      const prefix = e.code ? `(${e.code}) ` : "";
      return new ServiceError(`${prefix}${e.message}`, e.statusCode, e.code);
    }
    // The credential chain's own errors already say what was tried and what to do (credentials/chain.ts).
    if (e.name === "NoCredentialsError" || e.name === "CredentialAuthenticationError") return new AuthenticationError(e.message);
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

export function describeError(err: unknown): { message: string; recommendations: string[]; stack?: string } {
  const normalized = normalizeError(err);
  const stack = err instanceof Error ? err.stack : undefined;
  const out = { message: normalized.message, recommendations: normalized.recommendations };
  return stack ? { ...out, stack } : out;
}

/**
 * azure-core's ODataV4Format.__str__, which is what az prints for a service error:
 *   (Code) message
 *   Code: Code
 *   Message: message
 * then `Target:`, `Exception Details:` and `Inner error: {json, indent 4}` when the service sent them.
 */
export function odataMessage(body: string | null | undefined): { text: string; code: string | undefined } | undefined {
  if (!body) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const error = odataError(parsed);
  return error && { text: formatOdata(error), code: typeof error.code === "string" ? error.code : undefined };
}

/** The text az prints for a service error with this code and message (for errors kvkey stands in for). */
export function odataText(code: string, message: string): string {
  return formatOdata({ code, message });
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function odataError(value: unknown): Json | undefined {
  if (!isObject(value)) return undefined;
  const error = "error" in value ? value.error : value;
  if (!isObject(error) || !(truthy(error.code) || truthy(error.message))) return undefined;
  return error;
}

function formatOdata(error: Json): string {
  let details = `Code: ${py(error.code)}\nMessage: ${py(error.message)}`;
  if (truthy(error.target)) details += `\nTarget: ${py(error.target)}`;
  const nested = (Array.isArray(error.details) ? error.details : []).map(odataError).filter((d): d is Json => d !== undefined);
  if (nested.length) {
    details += "\nException Details:";
    for (const detail of nested) details += formatOdata(detail).split("\n").map((line) => `\t${line}`).join("\n");
  }
  if (truthy(error.innererror)) {
    details += `\nInner error: ${pythonJsonDumps(error.innererror, { indent: 4, sortKeys: false, ensureAscii: true, separators: [",", ": "] })}`;
  }
  return `(${py(error.code)}) ${py(error.message)}\n${details}`;
}

/** Python's truth value for a JSON value. */
function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  return !isObject(value) || Object.keys(value).length > 0;
}

/** str() of a JSON value as Python prints it inside a format string. */
function py(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  return typeof value === "string" ? value : pythonJsonDumps(value, { sortKeys: false, ensureAscii: true, separators: [", ", ": "] });
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
