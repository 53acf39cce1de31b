import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";

// The built binary as a child process, for the suites that need real processes (concurrency, crash
// safety, signals). `npm test` builds dist/ first; run `npm run build` before running them alone.

export const BIN = fileURLToPath(new URL("../../dist/kvkey.js", import.meta.url));

/** Throws a message that says what to do when dist/ has not been built. */
export function requireBuilt(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: this suite runs the built kvkey. Run \`npm run build\` first (\`npm test\` does).`);
}

export interface BinaryRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** An environment with nothing of the caller's but PATH: the given home, no colours, no CI prompts. */
export function binaryEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, KVKEY_HOME: home, HOME: home, NO_COLOR: "1", ...extra };
}

export function spawnKvkey(args: readonly string[], options: { home: string; env?: Record<string, string>; stdio?: StdioOptions; cwd?: string }): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    env: binaryEnv(options.home, options.env),
    // Not the home by default: the suites start kvkey on data directories that do not exist yet.
    cwd: options.cwd ?? tmpdir(),
    stdio: options.stdio ?? ["pipe", "pipe", "pipe"],
  });
}

/** Runs kvkey to the end, with `input` on stdin. */
export function runKvkey(args: readonly string[], options: { home: string; env?: Record<string, string>; input?: string; cwd?: string }): Promise<BinaryRun> {
  const child = spawnKvkey(args, options);
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  child.stdin!.on("error", () => {});
  child.stdin!.end(options.input ?? "");
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
