import type { WireRequest } from "../http/wire.js";

/**
 * One line on stderr (emulator.log when detached) for a request answered 500: the storage message when
 * the disk or database is the cause; otherwise the error's name, code and stack frames, never its message
 * (a bug's message could quote key material). A log that cannot be written (the same full disk) is skipped.
 */
export function logInternalError(err: unknown, problem: string | undefined, request: WireRequest): void {
  const e = err instanceof Error ? err : undefined;
  const code = (e as { code?: unknown } | undefined)?.code;
  const what = problem ?? `${e?.name ?? typeof err}${code ? ` ${String(code)}` : ""}`;
  const frames = problem || !e?.stack ? "" : `\n${e.stack.split("\n").filter((l) => /^\s+at /.test(l)).join("\n")}`;
  const path = JSON.stringify(request.url.replace(/^https?:\/\/[^/]*/, ""));
  try {
    process.stderr.write(`kvkey emulator: ${new Date().toISOString()} 500 for ${request.method} ${path}: ${what}${frames}\n`);
  } catch {
    // stderr is a file on the full disk, or closed: the client's answer says it already.
  }
}
