import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { KeyClient } from "@azure/keyvault-keys";
import { startEmulator, type ServedEmulator } from "../../src/emulator/server.js";
import { agentHttpClient, servedAgent } from "../../src/vault-client/served.js";
import { runCli } from "../../src/cli/run.js";
import { cliIn, interruptibleIO } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";
import { callOnce } from "../helpers/served.js";

// Failing like Azure, served over HTTPS with two worker processes on one data directory (issue 22):
// fault rules set at start and changed at runtime by `kvkey emulator fault` reach every worker, a dropped
// connection is a closed socket, the real SDK retries injected 503s, every hit is in `kvkey emulator
// logs`, and the Azure timing profile holds across workers. The workers run dist/emulator-worker.js.

const WORKER = fileURLToPath(new URL("../../dist/emulator-worker.js", import.meta.url));
const API = "api-version=2025-07-01";
const LONG = 600_000; // a soft-delete delay no slow machine can outlast; tests move the clock instead

let home: ReturnType<typeof tempDataDir>;
let served: ServedEmulator;
let cli: ReturnType<typeof cliIn>;

beforeAll(async () => {
  if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run \`npm run build\` first`);
  home = tempDataDir();
  served = await startEmulator({
    dataDir: home.dir,
    port: 0,
    workers: 2,
    profile: "azure",
    softDeleteDelays: { deleteMs: LONG, recoverMs: LONG, purgeMs: LONG, restoreMs: LONG },
    throttle: false,
    faults: ["op=sign,status=503,retry-after=0,count=1"],
    faultSeed: 11,
  });
  cli = cliIn(home.dir);
});
afterAll(async () => {
  await served?.close();
  home?.cleanup();
});

const client = (retries = 3) =>
  new KeyClient(`https://srv.vault.localhost:${served.port}`, { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 60_000 }) }, {
    httpClient: agentHttpClient(servedAgent(served.caPem)),
    retryOptions: { maxRetries: retries, retryDelayInMs: 1, maxRetryDelayInMs: 1 },
  });

/** One request on its own connection (consecutive ones land on alternating workers). */
const call = (method: string, path: string, body?: unknown) => callOnce(served, "srv", method, path, body);

describe("fault injection, served", () => {
  test("the rule given at start answers 503 once; the SDK retries over HTTPS and succeeds", async () => {
    const c = client();
    await c.createKey("signer", "EC");
    const signed = await c.getCryptographyClient("signer").sign("ES256", createHash("sha256").update("x").digest());
    expect(signed.result.length).toBe(64);
    const listed = await cli(["emulator", "fault", "list", "--data-dir", home.dir]);
    expect(listed.json()).toMatchObject({ seed: 11, rules: [{ position: 1, rule: "op=sign,count=1,status=503,retry-after=0", injected: 1 }] });
  });

  test("`kvkey emulator fault set` reaches both workers at their next request; hits are counted across them; `clear` ends it", async () => {
    expect((await call("POST", `/keys/k/create?${API}`, { kty: "EC" })).status).toBe(200);
    const set = await cli(["emulator", "fault", "set", "op=getKey,key=k,status=500", "--data-dir", home.dir]);
    expect(set.code).toBe(0);
    for (let i = 0; i < 4; i++) {
      const res = await call("GET", `/keys/k?${API}`);
      expect(res.status).toBe(500);
      expect(res.json.error.code).toBe("InternalServerError");
    }
    expect((await call("GET", `/keys?${API}`)).status).toBe(200);
    expect((await cli(["emulator", "fault", "list", "--data-dir", home.dir, "--query", "rules[0].injected"])).stdout).toBe("4\n");
    expect((await cli(["emulator", "fault", "clear", "--data-dir", home.dir])).json().rules).toEqual([]);
    for (let i = 0; i < 2; i++) expect((await call("GET", `/keys/k?${API}`)).status).toBe(200);
  });

  test("a dropped connection closes the socket without a response; the SDK retries it", async () => {
    await cli(["emulator", "fault", "set", "op=getKey,key=k,drop,count=1", "--data-dir", home.dir]);
    await expect(call("GET", `/keys/k?${API}`)).rejects.toMatchObject({ code: "ECONNRESET" });
    expect((await call("GET", `/keys/k?${API}`)).status).toBe(200);
    await cli(["emulator", "fault", "set", "op=getKey,key=k,drop,count=1", "--data-dir", home.dir]);
    expect((await client().getKey("k")).name).toBe("k");
    await cli(["emulator", "fault", "clear", "--data-dir", home.dir]);
  });

  test("`kvkey emulator logs --faults` shows every hit, with the rule and what it did", async () => {
    const logs = await cli(["emulator", "logs", "--faults", "--data-dir", home.dir]);
    expect(logs.code).toBe(0);
    const hits = logs.json() as Array<{ operationName: string; properties: { httpStatusCode: number; injectedFault: string } }>;
    const summary = hits.map((h) => [h.operationName, h.properties.httpStatusCode, h.properties.injectedFault]);
    expect(summary).toContainEqual(["KeySign", 503, "rule 1: op=sign,count=1,status=503,retry-after=0"]);
    expect(summary.filter((s) => s[1] === 500)).toHaveLength(4);
    expect(summary.filter((s) => s[1] === 0)).toHaveLength(2);
    const table = await cli(["emulator", "logs", "--faults", "--data-dir", home.dir, "-o", "table"]);
    expect(table.stdout).toContain("0 Connection Dropped (injected)");
  });

  test("a wrong rule is a usage error naming what is wrong (exit 2), and nothing changes", async () => {
    const run = await cli(["emulator", "fault", "set", "op=sign,status=700", "--data-dir", home.dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^ERROR: argument rules: 'op=sign,status=700': status: '700' is not a whole number from 400 to 599/);
  });
});

describe("the Azure timing profile, served", () => {
  test("a deletion in progress is seen by both workers, until the emulator clock passes its delay", async () => {
    expect((await call("POST", `/keys/gone/create?${API}`, { kty: "EC" })).status).toBe(200);
    expect((await call("DELETE", `/keys/gone?${API}`)).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      expect((await call("GET", `/deletedkeys/gone?${API}`)).status).toBe(404);
      expect((await call("POST", `/keys/gone/create?${API}`, { kty: "EC" })).json.error.innererror.code).toBe("ObjectIsBeingDeleted");
    }
    served.emulator.advanceTime(LONG);
    for (let i = 0; i < 2; i++) expect((await call("GET", `/deletedkeys/gone?${API}`)).status).toBe(200);
  });
});

describe("kvkey emulator start", () => {
  test("takes --profile, --soft-delete-delay, --throttle, --fault and --fault-seed, and says so in emulator.json", async () => {
    const dir = tempDataDir();
    try {
      const io = interruptibleIO(dir.dir);
      const running = runCli(
        ["emulator", "start", "--port", "0", "--workers", "1", "--profile", "azure", "--soft-delete-delay", "2s", "--fault", "op=sign,status=503", "key=x,drop", "--fault-seed", "5"],
        io,
      );
      const stateFile = join(dir.dir, "emulator.json");
      const deadline = Date.now() + 20_000;
      while (!(existsSync(stateFile) && io.listening())) {
        if (Date.now() > deadline) throw new Error(`the emulator did not start: ${io.err()}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(JSON.parse(readFileSync(stateFile, "utf8"))).toMatchObject({ profile: "azure", throttle: true });
      const listed = await cliIn(dir.dir)(["emulator", "fault", "list"]);
      expect(listed.json()).toMatchObject({ seed: 5, rules: [{ rule: "op=sign,status=503" }, { rule: "key=x,drop" }] });
      io.interrupt();
      expect(await running).toBe(0);
    } finally {
      dir.cleanup();
    }
  });

  test("`emulator fault set` warns when the running emulator keeps its state in memory (it would not read the rules)", async () => {
    const dir = tempDataDir();
    try {
      const io = interruptibleIO(dir.dir);
      const running = runCli(["emulator", "start", "--port", "0", "--in-memory"], io);
      const stateFile = join(dir.dir, "emulator.json");
      const deadline = Date.now() + 20_000;
      while (!(existsSync(stateFile) && io.listening())) {
        if (Date.now() > deadline) throw new Error(`the emulator did not start: ${io.err()}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(JSON.parse(readFileSync(stateFile, "utf8"))).toMatchObject({ inMemory: true, profile: null, throttle: false });
      const set = await cliIn(dir.dir)(["emulator", "fault", "set", "status=503"]);
      expect(set.code).toBe(0);
      expect(set.stderr).toMatch(/^WARNING: The emulator serving .* keeps its state in memory: it does not read these rules\./);
      io.interrupt();
      expect(await running).toBe(0);
    } finally {
      dir.cleanup();
    }
  });

  test.each([
    [["--profile", "aws"], /'aws' is not a valid value for '--profile'. Allowed values: azure\./],
    [["--soft-delete-delay", "soon"], /argument --soft-delete-delay: invalid duration value: 'soon'/],
    [["--fault", "op=sign"], /argument --fault: 'op=sign': a fault rule needs an effect/],
    [["--fault-seed", "-1"], /argument --fault-seed/],
  ])("refuses %j before starting", async (args, message) => {
    const dir = tempDataDir();
    try {
      const run = await cliIn(dir.dir)(["emulator", "start", "--port", "0", ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
    } finally {
      dir.cleanup();
    }
  });
});
