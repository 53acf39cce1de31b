import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { tempDataDir } from "../helpers/emulator.js";

// `kvkey emulator start --detach`, status, a client over HTTPS, stop — as a user runs them.

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

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
  home = tempDataDir();
});
afterAll(async () => {
  await kvkey("emulator", "stop");
  home.cleanup();
});

describe("kvkey emulator", () => {
  test("start --detach, status, use over HTTPS, stop", async () => {
    const started = await kvkey("emulator", "start", "--detach", "--port", "0");
    expect(started.code).toBe(0);
    const state = JSON.parse(started.stdout);
    expect(state).toMatchObject({ host: "127.0.0.1", auth: "any", caPath: join(home.dir, "tls", "ca.pem") });
    expect(state.port).toBeGreaterThan(0);

    const status = await kvkey("emulator", "status");
    expect(JSON.parse(status.stdout)).toMatchObject({ running: true, pid: state.pid, port: state.port });
    expect((await kvkey("emulator", "start", "--detach")).code).toBe(1);

    const created = await kvkey("create", "--id", `https://e2e.vault.localhost:${state.port}/keys/k`, "--kty", "EC");
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout).key.kid).toContain(`e2e.vault.localhost:${state.port}/keys/k/`);

    const ca = await kvkey("emulator", "ca", "--pem", "-o", "tsv");
    expect(ca.stdout).toBe(readFileSync(state.caPath, "utf8").trimEnd() + "\n");

    const stopped = await kvkey("emulator", "stop");
    expect(stopped.code).toBe(0);
    // It says what it stopped (on stderr: stdout stays empty for scripts).
    expect(stopped.stdout).toBe("");
    expect(stopped.stderr).toContain(`Stopped the emulator serving ${state.url} for ${home.dir} (pid ${state.pid}, running since ${state.started}).`);
    expect(JSON.parse((await kvkey("emulator", "status")).stdout).running).toBe(false);
    const again = await kvkey("emulator", "stop");
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/No emulator is running/);
  });
});
