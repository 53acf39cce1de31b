import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { execFile } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { tempDataDir } from "../helpers/emulator.js";

// The built binary as a child process: what users and CI scripts actually run. `npm test` builds
// dist/ first.

const run = promisify(execFile);
const BIN = fileURLToPath(new URL("../../dist/kvkey.js", import.meta.url));

let home: { dir: string; cleanup: () => void };

async function kvkey(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH, KVKEY_HOME: home.dir, HOME: home.dir },
      cwd: home.dir,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` (npm test does) first`);
  home = tempDataDir();
});
afterAll(() => home.cleanup());

describe("the kvkey binary", () => {
  test("--version and --help exit 0 without touching the data directory", async () => {
    expect((await kvkey("--version")).stdout).toMatch(/^kvkey \d+\.\d+\.\d+\n$/);
    const help = await kvkey("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Commands:/);
    expect(existsSync(join(home.dir, "kvkey.db"))).toBe(false);
  });

  test("a full lifecycle against the embedded vault, with az's exit codes", async () => {
    const created = await kvkey("create", "--vault-name", "e2e", "-n", "k", "--kty", "EC", "--curve", "P-256");
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout).key.crv).toBe("P-256");
    expect(statSync(home.dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(home.dir, "kvkey.db")).mode & 0o777).toBe(0o600);

    expect(JSON.parse((await kvkey("show", "--vault-name", "e2e", "-n", "k")).stdout).key.kid).toBe(JSON.parse(created.stdout).key.kid);
    expect((await kvkey("list", "--vault-name", "e2e", "--query", "[].name", "-o", "tsv")).stdout).toBe("k\n");
    const updated = await kvkey("set-attributes", "--vault-name", "e2e", "-n", "k", "--tags", "a=b");
    expect(JSON.parse(updated.stdout).tags).toEqual({ a: "b" });

    expect((await kvkey("delete", "--vault-name", "e2e", "-n", "k")).code).toBe(0);
    expect((await kvkey("show", "--vault-name", "e2e", "-n", "k")).code).toBe(3);
    expect(JSON.parse((await kvkey("show-deleted", "--vault-name", "e2e", "-n", "k")).stdout).recoveryId).toBe(
      "https://e2e.vault.localhost/deletedkeys/k",
    );
    expect(JSON.parse((await kvkey("list-deleted", "--vault-name", "e2e")).stdout)).toHaveLength(1);
    expect((await kvkey("recover", "--vault-name", "e2e", "-n", "k")).code).toBe(0);
    expect((await kvkey("backup", "--vault-name", "e2e", "-n", "k", "-f", "k.backup")).code).toBe(0);
    expect((await kvkey("delete", "--vault-name", "e2e", "-n", "k", "--only-show-errors")).stderr).toBe("");
    const purged = await kvkey("purge", "--vault-name", "e2e", "-n", "k");
    expect(purged).toMatchObject({ code: 0, stdout: "" });
    const restored = await kvkey("restore", "--vault-name", "e2e", "-f", "k.backup");
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.stdout).tags).toEqual({ a: "b" });
  });

  test("usage errors exit 2 with one line and no stack trace", async () => {
    const bad = await kvkey("create", "--vault-name", "e2e", "-n", "x", "--kty", "nope");
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toBe("ERROR: kvkey create: 'nope' is not a valid value for '--kty'. Allowed values: EC, EC-HSM, RSA, RSA-HSM, oct, oct-HSM.\n");
  });

  // Start-up work: a local command never needs Node's network stack, web streams or child processes.
  // Loading them costs ~40 ms (undici alone is ~95 internal modules), and they come in by accident: a
  // stray `instanceof FormData` in the SDK's request path, an eager import of the HTTP transport,
  // commander's require of child_process. The build patches all three (scripts/build.mjs, which fails
  // when a patch no longer applies); this checks the result in the built binary. Timing is left to
  // bench/; the list of modules is what a test can hold steady.
  test("local create, show and sign load no HTTP, TLS, undici, web streams or child_process", async () => {
    const preload = join(home.dir, "modules-at-exit.cjs");
    writeFileSync(
      preload,
      `const before = new Set(process.moduleLoadList);
process.on("exit", () => require("node:fs").writeFileSync(process.env.KVKEY_TEST_MODULES, process.moduleLoadList.filter((m) => !before.has(m)).join("\\n")));`,
    );
    const digest = Buffer.alloc(32, 7).toString("base64");
    const commands = [
      ["create", "--vault-name", "lean", "-n", "k", "--kty", "EC"],
      // --subscription means nothing to a local vault: nothing more loads for it.
      ["show", "--vault-name", "lean", "-n", "k", "--subscription", "nope"],
      ["sign", "--vault-name", "lean", "-n", "k", "-a", "ES256", "--digest", digest],
    ];
    for (const args of commands) {
      const out = join(home.dir, `modules-${args[0]}.txt`);
      const { stdout } = await run(process.execPath, ["-r", preload, BIN, ...args], {
        env: { PATH: process.env.PATH, KVKEY_HOME: home.dir, HOME: home.dir, KVKEY_TEST_MODULES: out },
        cwd: home.dir,
      });
      expect(JSON.parse(stdout)).toBeTruthy();
      const loaded = readFileSync(out, "utf8").split("\n");
      expect(loaded.length, `${args[0]} recorded the modules it loaded`).toBeGreaterThan(10);
      const network = loaded.filter((m) => /undici|webstreams|^NativeModule (http|https|http2|tls|zlib|child_process)$/.test(m));
      expect(network, `modules ${args[0]} should not load`).toEqual([]);
    }
  });

  test("`kvkey keyvault key ...` accepts an az command line", async () => {
    const listed = await kvkey("keyvault", "key", "list", "--vault-name", "e2e", "-o", "json");
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).map((k: { name: string }) => k.name)).toEqual(["k"]);
  });
});
