import { afterAll, beforeAll, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// The README as a newcomer follows it: every command of its ```sh blocks, in order, in bash, from the
// clone, with a fresh KVKEY_HOME — the set-up line's kvkey commands, `npm link` (the documented way
// to get kvkey on PATH, into a temporary npm prefix), `kvkey --version` from that PATH, then every
// example. Each must exit 0. Only the commands listed in SKIPPED are not run, each for its reason; a
// new README command is run, so a README that stops working fails here.

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const README = readFileSync(join(ROOT, "README.md"), "utf8");

const SKIPPED: ReadonlyArray<[command: string, reason: string]> = [
  ["npm install", "the test runs in the tree npm install (CI: npm ci) made"],
  ["npm test", "this test suite itself"],
  ["kvkey show --cloud AzureCloud --vault-name prod-kv --name signing", "needs an Azure sign-in and a vault"],
  ["kvkey show --id https://prod-kv.vault.azure.net/keys/signing", "needs an Azure sign-in and a vault"],
];

/** The commands of the README's ```sh blocks in order; `a && b` is two commands, as a reader runs them. */
function readmeCommands(): string[] {
  const blocks = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((block) =>
    block
      .replace(/\\\n\s*/g, " ")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith("#"))
      .flatMap((line) => line.split(" && ")),
  );
}

const withoutComment = (command: string) => command.replace(/\s+#.*$/, "").trim();

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "kvkey-readme-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

test("the skipped commands are still in the README (the list cannot go stale)", () => {
  const commands = readmeCommands().map(withoutComment);
  for (const [command] of SKIPPED) expect(commands, command).toContain(command);
});

test("every README command runs, in order, with kvkey on PATH by `npm link`", () => {
  const prefix = join(work, "npm-prefix");
  const env: Record<string, string> = {
    PATH: [join(prefix, "bin"), dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin"].join(":"),
    HOME: process.env.HOME ?? work,
    KVKEY_HOME: join(work, "kvkey-home"),
    // `npm link` into a prefix of the test's own instead of the machine's global folder; the build it
    // would run (prepare) is the one `npm run build` made before the tests, so it is not run again
    // (it would rewrite dist/ under the other suites' feet).
    npm_config_prefix: prefix,
    npm_config_ignore_scripts: "true",
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
  };
  const skipped = new Map(SKIPPED);
  const ran: string[] = [];
  for (const command of readmeCommands()) {
    if (skipped.has(withoutComment(command))) continue;
    const run = spawnSync("bash", ["-c", command], { cwd: ROOT, env, encoding: "utf8", input: "", timeout: 120_000 });
    expect(run.status, `README command failed: ${command}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(0);
    ran.push(withoutComment(command));
    if (command.startsWith("kvkey --version")) {
      // From PATH, by the documented way: the link npm made in the prefix, to this clone's build.
      const found = spawnSync("bash", ["-c", "command -v kvkey"], { env, encoding: "utf8" }).stdout.trim();
      expect(found).toBe(join(prefix, "bin", "kvkey"));
      expect(realpathSync(found)).toBe(realpathSync(join(ROOT, "dist", "kvkey.js")));
      expect(run.stdout).toMatch(/^kvkey \d+\.\d+\.\d+/);
    }
  }
  // The set-up line's kvkey commands, the link, and the examples of every section all ran.
  expect(ran).toEqual(expect.arrayContaining(["npm link", "kvkey --version", "kvkey cloud set --name AzureCloud", "kvkey shell"]));
  expect(ran.some((c) => c.startsWith("npx kvkey create"))).toBe(true);
  expect(existsSync(join(env.KVKEY_HOME!, "kvkey.db"))).toBe(true);
}, 300_000);
