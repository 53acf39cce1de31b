import { runCli } from "../../src/cli/run.js";
import { bufferedIO, type CliIO } from "../../src/io/streams.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (throws with the raw text when it is not JSON). */
  json<T = any>(): T;
}

export interface CliOptions {
  home: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  tty?: boolean;
  columns?: number;
  /** What the command reads on stdin (a confirmation answer, shell input). */
  stdin?: NodeJS.ReadableStream;
}

/** Runs the real CLI entry point in-process with buffered streams and the given home directory. */
export async function kvkey(args: readonly string[], options: CliOptions): Promise<CliRun> {
  const overrides: Partial<CliIO> = {
    env: { KVKEY_HOME: options.home, ...options.env },
    isStdoutTTY: options.tty ?? false,
    isStderrTTY: options.tty ?? false,
    isStdinTTY: options.tty ?? false,
  };
  if (options.cwd) overrides.cwd = options.cwd;
  if (options.columns) overrides.columns = options.columns;
  if (options.stdin) overrides.stdin = options.stdin;
  const io = bufferedIO(overrides);
  const code = await runCli(args, io);
  const stdout = io.out();
  return {
    code,
    stdout,
    stderr: io.err(),
    json() {
      try {
        return JSON.parse(stdout);
      } catch {
        throw new Error(`stdout is not JSON (exit ${code}):\n${stdout}\nstderr:\n${io.err()}`);
      }
    },
  };
}

/** A CLI bound to one home directory. */
export function cliIn(home: string, env: Record<string, string | undefined> = {}) {
  return (args: readonly string[], extra: Partial<CliOptions> = {}) => kvkey(args, { home, ...extra, env: { ...env, ...extra.env } });
}

/** Buffered IO whose Ctrl-C the test presses: `interrupt()` calls the handler the command registered. */
export function interruptibleIO(home: string): CliIO & { out(): string; err(): string; interrupt(): void; listening(): boolean } {
  let handler: (() => void) | undefined;
  const io = bufferedIO({
    env: { KVKEY_HOME: home },
    onInterrupt: (h) => {
      handler = h;
      return () => (handler = undefined);
    },
  });
  return Object.assign(io, {
    interrupt: () => handler?.(),
    listening: () => handler !== undefined,
  });
}

/**
 * Lines az prints under an ERROR line: a service error's `Code:`/`Message:`/`Target:`/`Inner error: {...}`
 * (azure-core's OData format) and recommendations such as "Did you mean 'show' ?".
 */
export const AZ_ERROR_CONTINUATION = /^(Code: |Message: |Target: |Inner error: |Exception Details:|Did you mean '|\s|\}$)/;

/** The one ERROR line of a refusal (without "ERROR: "); throws if any other line is not one of az's continuations. */
export function errorLine(stderr: string): string {
  const [first, ...rest] = stderr.trimEnd().split("\n");
  if (!first?.startsWith("ERROR: ")) throw new Error(`stderr does not start with an ERROR line: ${JSON.stringify(stderr.slice(0, 400))}`);
  const stray = rest.find((line) => !AZ_ERROR_CONTINUATION.test(line));
  if (stray !== undefined) throw new Error(`stderr has a line az would not print under its error: ${JSON.stringify(stray)}`);
  return first.slice("ERROR: ".length);
}
