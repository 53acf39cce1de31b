import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startEmulator, type ServedEmulator } from "../../src/emulator/server.js";
import { cliIn, interruptibleIO } from "../helpers/cli.js";
import { runCli } from "../../src/cli/run.js";
import { tempDataDir } from "../helpers/emulator.js";
import { startWebhookReceiver, type WebhookReceiver } from "../helpers/webhook.js";
import { eventually, patient } from "../helpers/patience.js";

// The served emulator's audit log and events: requests over HTTPS (kvkey's own, and another client's
// with a token the emulator did not issue) appear in `kvkey emulator logs` read from the data directory,
// with the caller's address; events that fall due with no request coming in are raised and delivered
// by the served process in the background.

let home: { dir: string; cleanup: () => void };
let served: ServedEmulator;
let cli: ReturnType<typeof cliIn>;
let receiver: WebhookReceiver;

beforeAll(async () => {
  home = tempDataDir();
  served = await startEmulator({ dataDir: home.dir, port: 0 });
  cli = cliIn(home.dir, { KVKEY_EMULATOR_URL: `https://localhost:${served.port}` });
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await served?.close();
  await receiver?.close();
  home.cleanup();
});

/** One HTTPS request to the served emulator, as any other client would send it. */
function send(method: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port: served.port, method, path, ca: served.caPem, servername: "localhost", headers: { host: `srv.vault.localhost:${served.port}`, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

async function logsUntil(args: string[], done: (records: Array<Record<string, any>>) => boolean): Promise<Array<Record<string, any>>> {
  const deadline = Date.now() + patient(10_000);
  for (;;) {
    const run = await cli(["emulator", "logs", "-o", "json", ...args]);
    expect(run.code, run.stderr).toBe(0);
    const records = run.json() as Array<Record<string, any>>;
    if (done(records) || Date.now() > deadline) return records;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const until = (check: () => boolean) => eventually(check, "--follow's lines");

async function subscriptionsUntil(done: (subs: Array<Record<string, any>>) => boolean): Promise<Array<Record<string, any>>> {
  const deadline = Date.now() + patient(10_000);
  for (;;) {
    const run = await cli(["emulator", "events", "subscriptions", "-o", "json"]);
    expect(run.code, run.stderr).toBe(0);
    const subs = run.json() as Array<Record<string, any>>;
    if (done(subs) || Date.now() > deadline) return subs;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("the served emulator's audit log", () => {
  test("kvkey's requests and a foreign client's are logged with operation, identity, result and the caller's address", async () => {
    const digest = createHash("sha256").update("x").digest("base64");
    expect((await cli(["create", "--vault-name", "srv", "-n", "k", "--kty", "EC", "--ops", "verify"])).code).toBe(0);
    expect((await cli(["sign", "--vault-name", "srv", "-n", "k", "-a", "ES256", "--digest", digest])).code).toBe(1);
    expect((await cli(["show", "--vault-name", "srv", "-n", "missing"])).code).toBe(3);
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const foreign = `${b64({ alg: "RS256", typ: "JWT" })}.${b64({ oid: "aaaaaaaa-1111-2222-3333-444444444444", upn: "app@contoso.example", appid: "my-app" })}.sig`;
    const got = await send("GET", "/keys/k?api-version=7.4", { authorization: `Bearer ${foreign}`, "user-agent": "curl/8.0" });
    expect(got.status).toBe(200);
    const identity = await send("GET", `/msi/token?resource=${encodeURIComponent(`https://vault.localhost:${served.port}`)}&api-version=2019-08-01`, {
      "x-identity-header": "anything",
    });
    expect(identity.status).toBe(200);

    const records = await logsUntil(["--vault-name", "srv"], (r) => r.length >= 4);
    expect(records.map((r) => `${r.operationName} ${r.properties.httpStatusCode}`)).toEqual(["KeyCreate 200", "KeySign 403", "KeyGet 404", "KeyGet 200"]);
    for (const r of records) expect(r.callerIpAddress).toBe("127.0.0.1");
    for (const r of records.slice(0, 3)) expect(r.identity).toMatchObject({ claim: { sub: "local" }, tokenVerified: true });
    expect(records[1]).toMatchObject({ resultSignature: "Forbidden", resultDescription: "Operation sign is not permitted on this key." });
    expect(records[3]).toMatchObject({
      operationVersion: "7.4",
      identity: { claim: { oid: "aaaaaaaa-1111-2222-3333-444444444444", upn: "app@contoso.example", appid: "my-app" }, tokenVerified: false },
      properties: { clientInfo: "curl/8.0", requestUri: `https://srv.vault.localhost:${served.port}/keys/k?api-version=7.4` },
    });
    expect(records[0]!.properties.id).toMatch(new RegExp(`^https://srv\\.vault\\.localhost:${served.port}/keys/k/[0-9a-f]{32}$`));
    // The managed-identity endpoint is not a data-plane operation: not logged.
    expect(JSON.stringify(records)).not.toContain("/msi/token");
    const failed = await logsUntil(["--failed"], () => true);
    expect(failed.map((r) => r.operationName)).toEqual(["KeySign", "KeyGet"]);
  });
});

describe("control characters a client sends never reach a terminal raw (issue 18)", () => {
  // ESC, BEL, CR and LF through a percent-encoded path and a token claim: -o json keeps them exactly;
  // every text rendering (table, tsv, --follow's lines, the ERROR line) shows them escaped.
  const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const token = `${b64({ alg: "RS256", typ: "JWT" })}.${b64({ upn: "mallory\u001b]0;owned\u0007\r\n2026-01-01T00:00:00Z  KeyPurge" })}.sig`;

  test("emulator logs: JSON exact; table, tsv and --follow escaped, one line per record", async () => {
    expect((await cli(["create", "--vault-name", "ctl", "-n", "k", "--kty", "EC"])).code).toBe(0);
    const path = "/keys/%1B%5B31mred%07%0D%0A2026-01-01T00:00:00Z%20KeyDelete/abc?api-version=7.4";
    const got = await send("GET", path, { authorization: `Bearer ${token}`, host: `ctl.vault.localhost:${served.port}` });
    expect(got.status).toBe(404);
    expect(RAW.test(got.body), got.body).toBe(false);

    const records = await logsUntil(["--vault-name", "ctl"], (r) => r.length >= 2);
    expect(records).toHaveLength(2);
    expect(records[1]!.properties.id).toBe(`https://ctl.vault.localhost:${served.port}/keys/\u001b[31mred\u0007\r\n2026-01-01T00:00:00Z KeyDelete/abc`);
    expect(records[1]!.identity.claim.upn).toBe("mallory\u001b]0;owned\u0007\r\n2026-01-01T00:00:00Z  KeyPurge");

    const table = await cli(["emulator", "logs", "--vault-name", "ctl", "-o", "table"]);
    expect(table.code, table.stderr).toBe(0);
    expect(RAW.test(table.stdout), JSON.stringify(table.stdout)).toBe(false);
    expect(table.stdout.trimEnd().split("\n")).toHaveLength(4); // header, dashes, two records: no forged line
    expect(table.stdout).toContain("\\x1b[31mred\\x07\\r\\n2026-01-01T00:00:00Z KeyDelete");
    expect(table.stdout).toContain("mallory\\x1b]0;owned\\x07\\r\\n2026-01-01T00:00:00Z  KeyPurge");

    const tsv = await cli(["emulator", "logs", "--vault-name", "ctl", "-o", "tsv"]);
    expect(RAW.test(tsv.stdout.replace(/\t/g, "")), JSON.stringify(tsv.stdout)).toBe(false);
    expect(tsv.stdout.trimEnd().split("\n")).toHaveLength(2);
    expect(new Set(tsv.stdout.trimEnd().split("\n").map((l) => l.split("\t").length)).size).toBe(1);

    for (const format of ["table", "tsv"]) {
      const io = interruptibleIO(home.dir);
      const following = runCli(["emulator", "logs", "--follow", "--vault-name", "ctl", "-o", format], io);
      await until(() => io.out().split("\n").filter(Boolean).length >= 2);
      io.interrupt();
      expect(await following).toBe(0);
      expect(RAW.test(io.out().replace(/\t/g, "")), JSON.stringify(io.out())).toBe(false);
      expect(io.out().trimEnd().split("\n"), io.out()).toHaveLength(2);
    }
  });

  test("an ERROR line quoting a name with control characters prints them escaped", async () => {
    const run = await cli(["show", "--id", `https://ctl.vault.localhost:${served.port}/keys/x%1b%5b2J%0d%0aERROR%3a%20fake`]);
    expect(run.code).not.toBe(0);
    // az's three lines for a service error, no more: the emulator quotes the name with its control
    // characters written out, so the line break it carried forges no line.
    const lines = run.stderr.split("\n").filter(Boolean);
    expect(lines, run.stderr).toHaveLength(3);
    expect(lines[0]).toMatch(/^ERROR: \(\w+\) /);
    expect(lines[0]).toContain("x\\x1b[2J\\r\\nERROR: fake");
    expect(lines.slice(1).map((line) => line.split(":")[0])).toEqual(["Code", "Message"]);
    expect(RAW.test(run.stderr), JSON.stringify(run.stderr)).toBe(false);
  });
});

describe("the served emulator's audit log keeps no payload", () => {
  test("a plaintext, its ciphertext and a digest sent over HTTPS appear neither in the log nor in the data directory's files", async () => {
    // The served path records requests in its own processes (workers): the same promise as in-process.
    const V = ["--vault-name", "quiet"];
    const plaintext = "served secret: the launch codes are 0000";
    expect((await cli(["create", ...V, "-n", "rsa", "--kty", "RSA", "--ops", "encrypt", "decrypt", "sign", "verify"])).code).toBe(0);
    const enc = await cli(["encrypt", ...V, "-n", "rsa", "-a", "RSA-OAEP-256", "--value", plaintext, "--data-type", "plaintext"]);
    expect(enc.code, enc.stderr).toBe(0);
    const ciphertext = enc.json().result as string;
    expect((await cli(["decrypt", ...V, "-n", "rsa", "-a", "RSA-OAEP-256", "--value", ciphertext, "--data-type", "plaintext"])).json().result).toBe(plaintext);
    const digest = createHash("sha256").update(plaintext).digest("base64");
    expect((await cli(["sign", ...V, "-n", "rsa", "-a", "RS256", "--digest", digest])).code).toBe(0);

    const records = await logsUntil(["--vault-name", "quiet"], (r) => r.length >= 4);
    expect(records.map((r) => r.operationName)).toEqual(["KeyCreate", "KeyEncrypt", "KeyDecrypt", "KeySign"]);
    const secrets = [plaintext, Buffer.from(plaintext).toString("base64"), Buffer.from(plaintext).toString("base64url"), ciphertext, Buffer.from(ciphertext, "base64").toString("base64url"), digest, Buffer.from(digest, "base64").toString("base64url")];
    const text = JSON.stringify(records);
    for (const secret of secrets) expect(text).not.toContain(secret);
    const files = ["kvkey.db", "kvkey.db-wal"].map((f) => join(home.dir, f)).filter(existsSync).map((f) => readFileSync(f));
    expect(files.some((b) => b.includes(Buffer.from("KeySign")))).toBe(true);
    for (const bytes of files) for (const secret of secrets) expect(bytes.includes(Buffer.from(secret))).toBe(false);
  });
});

describe("the served emulator's events", () => {
  test("delivers what a request raises at once, and raises what falls due with no request coming in", async () => {
    expect((await cli(["emulator", "events", "subscribe", "--endpoint", receiver.url, "-n", "served", "--vault-name", "ev"])).code).toBe(0);
    // Near-expiry is 30 days before exp: three seconds from now.
    const exp = new Date(Date.now() + 30 * 86_400_000 + 3_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    const created = await cli(["create", "--vault-name", "ev", "-n", "soon", "--kty", "EC", "--expires", exp]);
    expect(created.code, created.stderr).toBe(0);
    const version = (created.json().key.kid as string).split("/").pop();
    const [newVersion] = await receiver.waitForEvents(1);
    expect(newVersion).toMatchObject({ eventType: "Microsoft.KeyVault.KeyNewVersionCreated", subject: "soon", data: { VaultName: "ev", Version: version } });
    // No request touches the vault from here on: the served process's timer raises and delivers it.
    const [, near] = await receiver.waitForEvents(2);
    expect(near).toMatchObject({ eventType: "Microsoft.KeyVault.KeyNearExpiry", subject: "soon", data: { Version: version } });
    expect(Date.parse(near!.eventTime)).toBeGreaterThanOrEqual(Date.parse(exp) - 30 * 86_400_000);
    // The receiver answers before the emulator records the delivery: wait for the record to settle.
    const subs = await subscriptionsUntil((s) => s[0]?.deliveries?.pending === 0);
    expect(subs).toMatchObject([{ name: "served", deliveries: { delivered: 2, pending: 0, failed: 0 } }]);
  }, patient(30_000));
});
