// Starts `kvkey emulator start` (the real binary) on a free port in a fresh data directory, and gives the
// bench an HTTPS client for it. Stopped with SIGINT, as Ctrl-C would, so shutdown is the graceful one.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../dist/kvkey.js", import.meta.url));
export const API = "api-version=2025-07-01";

export async function startServed({ workers, vault = "bench" } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), "kvkey-served-bench-"));
  const args = [BIN, "emulator", "start", "--port", "0", "--data-dir", dataDir];
  if (workers !== undefined) args.push("--workers", String(workers));
  const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, KVKEY_HOME: dataDir } });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const stateFile = join(dataDir, "emulator.json");
  const deadline = Date.now() + 30_000;
  while (!existsSync(stateFile)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the emulator did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  let state;
  for (;;) {
    try {
      state = JSON.parse(readFileSync(stateFile, "utf8"));
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const ca = readFileSync(state.caPath, "utf8");
  const host = `${vault}.vault.localhost:${state.port}`;
  const agent = new Agent({ keepAlive: true, ca, servername: `${vault}.vault.localhost` });
  const base = `https://127.0.0.1:${state.port}`;

  function call(method, path, body) {
    return new Promise((resolve, reject) => {
      const text = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        `${base}${path}`,
        {
          method,
          agent,
          headers: { host, authorization: "Bearer bench", ...(text ? { "content-type": "application/json", "content-length": Buffer.byteLength(text) } : {}) },
        },
        (res) => {
          const chunks = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () => {
            const raw = Buffer.concat(chunks).toString("utf8");
            resolve({ status: res.statusCode, body: raw ? JSON.parse(raw) : undefined });
          });
        },
      );
      req.on("error", reject);
      req.end(text);
    });
  }

  return {
    port: state.port,
    pid: state.pid,
    ca,
    host,
    base,
    dataDir,
    call,
    async stop() {
      agent.destroy();
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGINT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(timer);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
