import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { tempDataDir } from "../helpers/emulator.js";

// `kvkey emulator start --workers N`: the binary serving from N processes, and the option's rules.

const run = promisify(execFile);
const BIN = fileURLToPath(new URL("../../dist/kvkey.js", import.meta.url));
let home: { dir: string; cleanup: () => void };

async function kvkey(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, KVKEY_HOME: home.dir } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Live children of a pid. */
function children(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) found.push(Number(entry));
    } catch {
      // gone
    }
  }
  return found;
}

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
  home = tempDataDir();
});
afterAll(async () => {
  await kvkey("emulator", "stop");
  home.cleanup();
});

describe("kvkey emulator start --workers", () => {
  test("--workers 3 serves from three processes; stop ends them all", async () => {
    const started = await kvkey("emulator", "start", "--detach", "--port", "0", "--workers", "3");
    expect(started.code).toBe(0);
    const state = JSON.parse(started.stdout);
    const workers = children(state.pid);
    expect(workers).toHaveLength(3);
    for (let i = 0; i < 4; i++) {
      const created = await kvkey("create", "--id", `https://w.vault.localhost:${state.port}/keys/k${i}`, "--kty", "EC");
      expect(created.code).toBe(0);
    }
    const listed = await kvkey("list", "--id", `https://w.vault.localhost:${state.port}`, "--query", "length(@)");
    expect(listed.stdout.trim()).toBe("4");
    expect((await kvkey("emulator", "stop")).code).toBe(0);
    // Gone, not re-parented: a worker that outlived its primary would still have a /proc entry.
    expect(workers.filter((pid) => existsSync(`/proc/${pid}`))).toEqual([]);
  });

  test("more than one worker needs a data directory", async () => {
    const r = await kvkey("emulator", "start", "--in-memory", "--workers", "2");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--in-memory keeps the vault in one process/);
  });

  test("--workers must be a positive integer", async () => {
    const r = await kvkey("emulator", "start", "--workers", "0");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--workers: must be a positive integer/);
  });
});
