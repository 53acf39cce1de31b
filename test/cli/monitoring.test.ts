import { createHash, generateKeyPairSync } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { runCli } from "../../src/cli/run.js";
import { cliIn, interruptibleIO } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";
import { startWebhookReceiver, type WebhookReceiver } from "../helpers/webhook.js";
import { eventually } from "../helpers/patience.js";

// `kvkey emulator logs` and `kvkey emulator events` driven through the CLI's embedded vault.

let home: { dir: string; cleanup: () => void };
let cli: ReturnType<typeof cliIn>;
let receiver: WebhookReceiver | undefined;

beforeEach(() => {
  home = tempDataDir();
  cli = cliIn(home.dir);
});
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  home.cleanup();
});

const V = ["--vault-name", "mon"];
const DAY_MS = 86_400_000;
const azDate = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const digest = createHash("sha256").update("payload").digest("base64");

async function ok(args: string[]) {
  const run = await cli(args);
  expect(run.code, `${args.join(" ")}\n${run.stderr}`).toBe(0);
  return run;
}

/** The log as AuditEvent records (without the 401 challenge each command's SDK client gets first, unless --challenges). */
async function logs(args: string[] = []): Promise<Array<Record<string, any>>> {
  return (await ok(["emulator", "logs", "-o", "json", ...args])).json() as Array<Record<string, any>>;
}

describe("kvkey emulator logs", () => {
  test("finds every CLI operation with its operation name, the CLI's identity, the key version and the result", async () => {
    const created = (await ok(["create", ...V, "-n", "ec", "--kty", "EC", "--ops", "sign", "verify"])).json();
    const version = (created.key.kid as string).split("/").pop();
    await ok(["show", ...V, "-n", "ec"]);
    await ok(["sign", ...V, "-n", "ec", "-a", "ES256", "--digest", digest]);
    await ok(["create", ...V, "-n", "rsa", "--kty", "RSA", "--ops", "encrypt", "decrypt"]);
    const enc = (await ok(["encrypt", ...V, "-n", "rsa", "-a", "RSA-OAEP-256", "--value", "c2VjcmV0"])).json();
    await ok(["decrypt", ...V, "-n", "rsa", "-a", "RSA-OAEP-256", "--value", enc.result]);
    await ok(["list", ...V]);
    await ok(["delete", ...V, "-n", "rsa"]);
    expect((await cli(["show", ...V, "-n", "rsa"])).code).toBe(3);
    expect((await cli(["sign", ...V, "-n", "ec", "-a", "ES256", "--digest", digest, "--version", "0".repeat(32)])).code).toBe(1);
    expect((await cli(["encrypt", ...V, "-n", "ec", "-a", "RSA-OAEP-256", "--value", "c2VjcmV0"])).code).toBe(1);

    const records = await logs();
    expect(records.map((r) => `${r.operationName} ${r.properties.httpStatusCode}`)).toEqual([
      "KeyCreate 200",
      "KeyGet 200",
      "KeySign 200",
      "KeyCreate 200",
      "KeyEncrypt 200",
      "KeyDecrypt 200",
      "KeyList 200",
      "KeyDelete 200",
      "KeyGetDeleted 200", // az's delete waits for the deletion (a poller)
      "KeyGet 404",
      "KeySign 404",
      "KeyEncrypt 403",
    ]);
    for (const r of records) {
      expect(r.identity).toMatchObject({ claim: { sub: "local", oid: "00000000-0000-0000-0000-000000000001" }, tokenVerified: true });
      expect(r.category).toBe("AuditEvent");
      expect(r.callerIpAddress).toBeUndefined(); // in-process: no socket, no address
    }
    expect(records[2]).toMatchObject({ properties: { id: `https://mon.vault.localhost/keys/ec/${version}` }, resultSignature: "OK" });
    expect(records[2]!.properties.clientInfo).toMatch(/azsdk-js-keyvault-keys/);
    expect(records[2]!.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(records[9]).toMatchObject({ resultSignature: "Not Found", resultType: "Success", properties: { id: "https://mon.vault.localhost/keys/rsa" } });
    expect(records[11]).toMatchObject({ resultSignature: "Forbidden", resultDescription: "Operation encrypt is not permitted on this key." });
  });

  test("filters: --key, --operation, --failed, --since, --vault-name, --top; a table on a terminal", async () => {
    await ok(["create", ...V, "-n", "a", "--kty", "EC"]);
    await ok(["create", ...V, "-n", "b", "--kty", "EC", "--ops", "verify"]);
    await ok(["create", "--vault-name", "other", "-n", "a", "--kty", "EC"]);
    await cli(["sign", ...V, "-n", "b", "-a", "ES256", "--digest", digest]);
    await cli(["show", ...V, "-n", "nope"]);

    expect((await logs(["--key", "B"])).map((r) => r.operationName)).toEqual(["KeyCreate", "KeySign"]);
    expect((await logs(["--operation", "keysign,KeyGet"])).map((r) => r.operationName)).toEqual(["KeySign", "KeyGet"]);
    const failed = (await ok(["emulator", "logs", "--failed", "-o", "json"])).json() as Array<Record<string, any>>;
    expect(failed.map((r) => `${r.operationName} ${r.properties.httpStatusCode}`)).toEqual(["KeySign 403", "KeyGet 404"]);
    expect(await logs(["--since", "1h", "--key", "a", "--vault-name", "other"])).toHaveLength(1);
    expect(await logs(["--since", azDate(Date.now() + DAY_MS)])).toEqual([]);
    expect((await ok(["emulator", "logs", "--top", "1", "-o", "json"])).json()).toHaveLength(1);
    expect((await cli(["emulator", "logs", "--operation", "KeySmash"])).stderr).toMatch(/'KeySmash' is not an operation name/);
    expect((await cli(["emulator", "logs", "--since", "yesterday"])).code).toBe(2);

    const table = await ok(["emulator", "logs", "--key", "b"].concat([]));
    expect(() => JSON.parse(table.stdout)).not.toThrow(); // piped: JSON
    const tty = await cli(["emulator", "logs", "--key", "b"], { tty: true, columns: 200 });
    expect(tty.stdout).toMatch(/^Time\s+Operation\s+Result\s+Vault\s+Key\s+Version\s+Caller/);
    expect(tty.stdout).toMatch(/KeySign\s+403 Forbidden\s+mon\s+b\s+local/);
    expect(tty.stdout).not.toMatch(/Unauthorized/);
    // Every SDK client's first request is a token-less 401 challenge: logged, shown with --challenges.
    const challenges = await logs(["--challenges", "--key", "b"]);
    expect(challenges.map((r) => `${r.operationName} ${r.properties.httpStatusCode}`)).toEqual(["KeyCreate 401", "KeyCreate 200", "KeySign 401", "KeySign 403"]);
    expect(challenges[0]).toMatchObject({ identity: {}, resultSignature: "Unauthorized" });
  });

  test("keeps no payload and no key material: not the imported private key, not the plaintext", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ format: "pem", type: "pkcs8" }) as string;
    const jwk = privateKey.export({ format: "jwk" }) as Record<string, string>;
    const pemFile = join(home.dir, "..", `kvkey-mon-${process.pid}-${Date.now()}.pem`);
    writeFileSync(pemFile, pem);
    const plaintext = "wire the funds to account 12-3456-789";
    try {
      await ok(["import", ...V, "-n", "imp", "--pem-file", pemFile, "--ops", "encrypt", "decrypt"]);
    } finally {
      writeFileSync(pemFile, "");
    }
    const enc = (await ok(["encrypt", ...V, "-n", "imp", "-a", "RSA-OAEP", "--value", plaintext, "--data-type", "plaintext"])).json();
    const dec = (await ok(["decrypt", ...V, "-n", "imp", "-a", "RSA-OAEP", "--value", enc.result, "--data-type", "plaintext"])).json();
    expect(dec.result).toBe(plaintext);
    await ok(["backup", ...V, "-n", "imp", "-f", join(home.dir, "imp.backup")]);

    const output = (await ok(["emulator", "logs", "-o", "json"])).stdout;
    expect(JSON.parse(output).map((r: { operationName: string }) => r.operationName)).toEqual(
      expect.arrayContaining(["KeyImport", "KeyEncrypt", "KeyDecrypt", "KeyBackup"]),
    );
    const privateParts = ["d", "p", "q", "dp", "dq", "qi"].map((k) => Buffer.from(jwk[k]!, "base64url"));
    const textual = [
      plaintext,
      Buffer.from(plaintext).toString("base64"),
      Buffer.from(plaintext).toString("base64url"),
      enc.result as string,
      ...privateParts.flatMap((b) => [b.toString("base64"), b.toString("base64url"), b.toString("hex")]),
      pem.split("\n")[1]!,
    ];
    for (const secret of textual) expect(output).not.toContain(secret);
    // The database files themselves (audit table, WAL and all): private bytes and plaintext appear nowhere.
    const files = ["kvkey.db", "kvkey.db-wal"].map((f) => join(home.dir, f)).filter(existsSync).map((f) => readFileSync(f));
    // (the audit records are in there: the scan looks where the log is)
    expect(files.some((b) => b.includes(Buffer.from("KeyDecrypt")))).toBe(true);
    for (const bytes of files) {
      for (const part of privateParts) expect(bytes.includes(part)).toBe(false);
      for (const secret of textual) expect(bytes.includes(Buffer.from(secret))).toBe(false);
    }
  });

  test("--follow prints the last records, then new ones as they happen, until Ctrl-C", async () => {
    await ok(["create", ...V, "-n", "first", "--kty", "EC"]);
    const io = interruptibleIO(home.dir);
    const following = runCli(["emulator", "logs", "--follow", "--operation", "KeyCreate"], io);
    const lines = () => io.out().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
    // --follow polls the table every 300 ms: its output is awaited, with a deadline that scales.
    const until = (check: () => boolean) => eventually(check, `--follow's output; so far:\n${io.out()}\n${io.err()}`);
    await until(() => lines().length === 1);
    expect(lines()[0]).toMatchObject({ operationName: "KeyCreate", properties: { id: expect.stringContaining("/keys/first/") } });
    await ok(["create", ...V, "-n", "second", "--kty", "EC"]);
    await ok(["show", ...V, "-n", "second"]);
    await until(() => lines().length === 2);
    expect(lines()[1]).toMatchObject({ operationName: "KeyCreate", properties: { id: expect.stringContaining("/keys/second/") } });
    io.interrupt();
    expect(await following).toBe(0);
    expect(lines().map((l) => l.operationName)).toEqual(["KeyCreate", "KeyCreate"]);
  });
});

describe("kvkey emulator events", () => {
  test("a webhook receives KeyNewVersionCreated, then KeyNearExpiry and KeyExpired as `time-shift` moves the clock past them", async () => {
    receiver = await startWebhookReceiver();
    const sub = (await ok(["emulator", "events", "subscribe", "--endpoint", receiver.url, "-n", "ops"])).json();
    expect(sub).toMatchObject({ name: "ops", endpointUrl: receiver.url, includedEventTypes: expect.arrayContaining(["Microsoft.KeyVault.KeyExpired"]) });

    const expires = azDate(Date.now() + 40 * DAY_MS);
    const created = (await ok(["create", ...V, "-n", "k", "--kty", "EC", "--expires", expires])).json();
    const version = (created.key.kid as string).split("/").pop();
    // The CLI process delivered the event its create raised.
    const [first] = await receiver.waitForEvents(1);
    expect(first).toMatchObject({
      eventType: "Microsoft.KeyVault.KeyNewVersionCreated",
      subject: "k",
      data: { VaultName: "mon", ObjectType: "Key", ObjectName: "k", Version: version, EXP: Math.floor(Date.parse(expires) / 1000) },
      dataVersion: "1",
      metadataVersion: "1",
    });

    await ok(["emulator", "time-shift", "P9D"]);
    await ok(["show", ...V, "-n", "k"]);
    // Nothing was raised (the list is what there is to deliver), so nothing more can arrive.
    expect((await ok(["emulator", "events", "list", "-o", "json"])).json()).toHaveLength(1);
    expect(receiver.events()).toHaveLength(1);
    await ok(["emulator", "time-shift", "P2D"]);
    const [, near] = await receiver.waitForEvents(2);
    expect(near).toMatchObject({ eventType: "Microsoft.KeyVault.KeyNearExpiry", data: { Version: version } });
    await ok(["emulator", "time-shift", "P30D"]);
    const [, , expired] = await receiver.waitForEvents(3);
    expect(expired).toMatchObject({ eventType: "Microsoft.KeyVault.KeyExpired", data: { Version: version } });
    for (const e of receiver.events()) {
      expect(Object.keys(e)).toEqual(["id", "topic", "subject", "eventType", "eventTime", "data", "dataVersion", "metadataVersion"]);
      expect(e.topic).toBe("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/kvkey-local/providers/Microsoft.KeyVault/vaults/mon");
    }

    const listed = (await ok(["emulator", "events", "list", "-o", "json"])).json() as Array<Record<string, any>>;
    expect(listed.map((e) => e.id)).toEqual(receiver.events().map((e) => e.id));
    expect((await ok(["emulator", "events", "list", "--type", "KeyNearExpiry", "-o", "json"])).json()).toHaveLength(1);
    expect((await ok(["emulator", "events", "list", "--key", "other", "-o", "json"])).json()).toEqual([]);
    // The receiver answers before the CLI process that posted records the delivery (it finishes after the
    // command has returned): wait for the record.
    const subs = await eventually(async () => {
      const listed = (await ok(["emulator", "events", "subscriptions", "-o", "json"])).json();
      return listed[0]?.deliveries?.pending === 0 ? listed : undefined;
    }, "the third delivery to be recorded");
    expect(subs).toMatchObject([{ name: "ops", deliveries: { delivered: 3, pending: 0, failed: 0 } }]);
    const table = (await ok(["emulator", "events", "list", "-o", "table"])).stdout;
    expect(table).toMatch(/KeyNearExpiry\s+mon\s+k\s/);

    expect((await cli(["emulator", "events", "unsubscribe", "-n", "ops"])).code).toBe(0);
    expect((await cli(["emulator", "events", "unsubscribe", "-n", "ops"])).stderr).toMatch(/No event subscription is named 'ops'/);
    expect((await ok(["emulator", "events", "subscriptions", "-o", "json"])).json()).toEqual([]);
    await ok(["emulator", "time-shift", "--reset"]);
  });

  test("subscribe checks its arguments and can do Event Grid's validation handshake", async () => {
    expect((await cli(["emulator", "events", "subscribe", "--endpoint", "ftp://x"])).stderr).toMatch(/http or https/);
    expect((await cli(["emulator", "events", "subscribe", "--endpoint", "http://127.0.0.1:1/x", "--event-types", "KeyDeleted"])).code).toBe(2);
    receiver = await startWebhookReceiver();
    receiver.respond = (post) => {
      const [event] = post.body as Array<{ data: { validationCode?: string } }>;
      return { status: 200, body: JSON.stringify({ validationResponse: event!.data.validationCode }) };
    };
    const sub = (await ok(["emulator", "events", "subscribe", "--endpoint", receiver.url, "--validate", "--event-types", "KeyNearExpiry", "--vault-name", "mon"])).json();
    expect(sub).toMatchObject({
      name: expect.stringMatching(/^webhook-[0-9a-f]{8}$/),
      includedEventTypes: ["Microsoft.KeyVault.KeyNearExpiry"],
      topic: expect.stringMatching(/\/vaults\/mon$/),
    });
    expect((await cli(["emulator", "events", "subscribe", "--endpoint", receiver.url, "-n", sub.name])).stderr).toMatch(/exists already/);
  });
});
