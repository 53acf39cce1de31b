import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHash } from "node:crypto";
import { ManualClock } from "../../src/emulator/index.js";
import { startEmulator, type ServedEmulator } from "../../src/emulator/server.js";
import { cliIn } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";

// The vault's rules, seen through the CLI: the operation must be in key_ops, the key enabled, and now
// inside its nbf/exp window (except decrypt, unwrap-key and verify) — all judged by the vault, never
// by the SDK's local checks: a 403 from the service, its code on stderr, exit 1.

const DIGEST = createHash("sha256").update("x").digest("base64");
const DAY = 86_400_000;

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

describe("against the embedded vault", () => {
  let home: { dir: string; cleanup: () => void };
  let cli: ReturnType<typeof cliIn>;
  const V = ["--vault-name", "enf"];
  beforeAll(() => {
    home = tempDataDir();
    cli = cliIn(home.dir);
  });
  afterAll(() => home.cleanup());

  async function refused(args: string[], message: RegExp) {
    const run = await cli(args);
    expect(run.stdout).toBe("");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
    // One ERROR line (after az's preview warning for encrypt/decrypt).
    expect(run.stderr.split("\n").filter((l) => l.startsWith("ERROR: "))).toHaveLength(1);
  }

  test("an operation not in key_ops is the service's 403 Forbidden", async () => {
    expect((await cli(["create", ...V, "-n", "signonly", "--ops", "sign", "verify", "-o", "none"])).code).toBe(0);
    await refused(["encrypt", ...V, "-n", "signonly", "-a", "RSA-OAEP", "--value", "AAEC"], /ERROR: \(Forbidden\) Operation encrypt is not permitted on this key\./);
    await refused(["wrap-key", ...V, "-n", "signonly", "-a", "RSA-OAEP", "--value", "AAEC"], /ERROR: \(Forbidden\) Operation wrapKey is not permitted on this key\./);
    await refused(["decrypt", ...V, "-n", "signonly", "-a", "RSA-OAEP", "--value", "AAEC"], /ERROR: \(Forbidden\) Operation decrypt is not permitted on this key\./);
    expect((await cli(["sign", ...V, "-n", "signonly", "-a", "RS256", "--digest", DIGEST])).code).toBe(0);

    expect((await cli(["create", ...V, "-n", "enconly", "--ops", "encrypt", "-o", "none"])).code).toBe(0);
    await refused(["sign", ...V, "-n", "enconly", "-a", "RS256", "--digest", DIGEST], /^ERROR: \(Forbidden\) Operation sign is not permitted on this key\.$/m);
    await refused(["verify", ...V, "-n", "enconly", "-a", "RS256", "--digest", DIGEST, "--signature", "AAAA"], /^ERROR: \(Forbidden\) Operation verify is not permitted on this key\./m);
  });

  test("a disabled key refuses every operation, decrypt and verify included", async () => {
    expect((await cli(["create", ...V, "-n", "off", "-o", "none"])).code).toBe(0);
    const enc = await cli(["encrypt", ...V, "-n", "off", "-a", "RSA-OAEP-256", "--value", "AAEC"]);
    expect(enc.code).toBe(0);
    const sig = await cli(["sign", ...V, "-n", "off", "-a", "PS256", "--digest", DIGEST]);
    expect((await cli(["set-attributes", ...V, "-n", "off", "--enabled", "false", "-o", "none"])).code).toBe(0);
    await refused(["encrypt", ...V, "-n", "off", "-a", "RSA-OAEP-256", "--value", "AAEC"], /ERROR: \(Forbidden\) Operation encrypt is not allowed on a disabled key\./);
    await refused(["decrypt", ...V, "-n", "off", "-a", "RSA-OAEP-256", "--value", enc.json().result], /ERROR: \(Forbidden\) Operation decrypt is not allowed on a disabled key\./);
    await refused(["sign", ...V, "-n", "off", "-a", "PS256", "--digest", DIGEST], /ERROR: \(Forbidden\) Operation sign is not allowed on a disabled key\./);
    await refused(["verify", ...V, "-n", "off", "-a", "PS256", "--digest", DIGEST, "--signature", sig.json().signature], /ERROR: \(Forbidden\) Operation verify is not allowed on a disabled key\./);
    await refused(["unwrap-key", ...V, "-n", "off", "-a", "RSA-OAEP-256", "--value", enc.json().result], /ERROR: \(Forbidden\) Operation unwrapKey is not allowed on a disabled key\./);

    expect((await cli(["create", ...V, "-n", "bornoff", "--disabled", "-o", "none"])).code).toBe(0);
    await refused(["sign", ...V, "-n", "bornoff", "-a", "RS256", "--data", "x"], /ERROR: \(Forbidden\) Operation sign is not allowed on a disabled key\./);
  });

  test("expired (--expires in the past): encrypt, wrap-key and sign refused; decrypt, unwrap-key and verify still work", async () => {
    expect((await cli(["create", ...V, "-n", "old", "-o", "none"])).code).toBe(0);
    const enc = (await cli(["encrypt", ...V, "-n", "old", "-a", "RSA-OAEP", "--value", "c2VjcmV0"])).json();
    const wrapped = (await cli(["wrap-key", ...V, "-n", "old", "-a", "RSA1_5", "--value", "c2VjcmV0"])).json();
    const sig = (await cli(["sign", ...V, "-n", "old", "-a", "RS256", "--digest", DIGEST])).json();
    expect((await cli(["set-attributes", ...V, "-n", "old", "--expires", "2020-01-01T00:00:00Z", "-o", "none"])).code).toBe(0);

    await refused(["encrypt", ...V, "-n", "old", "-a", "RSA-OAEP", "--value", "c2VjcmV0"], /ERROR: \(Forbidden\) Operation encrypt is not allowed on an expired key\./);
    await refused(["wrap-key", ...V, "-n", "old", "-a", "RSA1_5", "--value", "c2VjcmV0"], /ERROR: \(Forbidden\) Operation wrapKey is not allowed on an expired key\./);
    await refused(["sign", ...V, "-n", "old", "-a", "RS256", "--digest", DIGEST], /ERROR: \(Forbidden\) Operation sign is not allowed on an expired key\./);

    expect((await cli(["decrypt", ...V, "-n", "old", "-a", "RSA-OAEP", "--value", enc.result])).json().result).toBe("c2VjcmV0");
    expect((await cli(["unwrap-key", ...V, "-n", "old", "-a", "RSA1_5", "--value", wrapped.result])).json().result).toBe("c2VjcmV0");
    expect((await cli(["verify", ...V, "-n", "old", "-a", "RS256", "--digest", DIGEST, "--signature", sig.signature])).json().isValid).toBe(true);

    // Expired from birth (--expires at create time) behaves the same.
    expect((await cli(["create", ...V, "-n", "bornold", "--expires", "2021-06-01", "-o", "none"])).code).toBe(0);
    await refused(["encrypt", ...V, "-n", "bornold", "-a", "RSA-OAEP", "--value", "AAEC"], /ERROR: \(Forbidden\) Operation encrypt is not allowed on an expired key\./);
  });

  test("not yet valid (--not-before in the future): encrypt and sign refused", async () => {
    const later = isoDay(Date.now() + 400 * DAY);
    expect((await cli(["create", ...V, "-n", "future", "--not-before", later, "-o", "none"])).code).toBe(0);
    await refused(["encrypt", ...V, "-n", "future", "-a", "RSA-OAEP", "--value", "AAEC"], /ERROR: \(Forbidden\) Operation encrypt is not allowed on a key that is not yet valid/);
    await refused(["sign", ...V, "-n", "future", "-a", "RS256", "--data", "x"], /ERROR: \(Forbidden\) Operation sign is not allowed on a key that is not yet valid/);
  });

  test("every operation is one POST to the vault: no GET of the key first (the SDK's local path)", async () => {
    expect((await cli(["create", ...V, "-n", "trace", "-o", "none"])).code).toBe(0);
    const enc = await cli(["encrypt", ...V, "-n", "trace", "-a", "RSA-OAEP", "--value", "AAEC", "--debug"]);
    const sig = await cli(["sign", ...V, "-n", "trace", "-a", "PS256", "--data", "x", "--debug"]);
    const runs = [
      enc,
      sig,
      await cli(["wrap-key", ...V, "-n", "trace", "-a", "RSA1_5", "--value", "AAEC", "--debug"]),
      await cli(["verify", ...V, "-n", "trace", "-a", "PS256", "--data", "x", "--signature", sig.json().signature, "--debug"]),
    ];
    const paths = ["encrypt", "sign", "wrapkey", "verify"];
    runs.forEach((run, i) => {
      expect(run.code).toBe(0);
      const requests = run.stderr.split("\n").filter((l) => l.startsWith("DEBUG: Request: "));
      // The challenge round trip, then the authorised call: both to the operation, none a GET.
      expect(requests.length).toBeGreaterThan(0);
      for (const line of requests) expect(line).toMatch(new RegExp(`^DEBUG: Request: POST https://enf\\.vault\\.localhost/keys/trace//${paths[i]}\\?`));
    });
  });
});

describe("against a served emulator whose clock is not this machine's", () => {
  // The SDK's CryptographyClient would judge nbf/exp with this machine's clock and encrypt RSA locally;
  // these keys are valid by the machine's clock and invalid by the vault's, so only the vault's answer
  // can produce the 403s below.
  let home: { dir: string; cleanup: () => void };
  let served: ServedEmulator;
  let cli: ReturnType<typeof cliIn>;
  const clock = new ManualClock(Date.now());
  const V = ["--vault-name", "clock"];

  beforeAll(async () => {
    home = tempDataDir();
    served = await startEmulator({ dataDir: home.dir, port: 0, clock });
    cli = cliIn(home.dir, { KVKEY_EMULATOR_URL: served.url });
  });
  afterAll(async () => {
    await served?.close();
    home.cleanup();
  });

  test("a key that expires next year is expired once the vault's clock is two years ahead", async () => {
    clock.set(Date.now());
    const expires = isoDay(Date.now() + 365 * DAY);
    const created = await cli(["create", ...V, "-n", "soon", "--expires", expires]);
    expect(created.code).toBe(0);
    expect(created.json().key.kid).toMatch(new RegExp(`^https://clock\\.vault\\.localhost:${served.port}/keys/soon/`));
    const enc = (await cli(["encrypt", ...V, "-n", "soon", "-a", "RSA-OAEP-256", "--value", "dGlja3RvY2s="])).json();
    const sig = (await cli(["sign", ...V, "-n", "soon", "-a", "RS256", "--digest", DIGEST])).json();

    clock.set(Date.now() + 2 * 365 * DAY);
    for (const [args, op] of [
      // RSA-OAEP and RSA1_5 are the algorithms the SDK would encrypt locally.
      [["encrypt", "-a", "RSA-OAEP", "--value", "AAEC"], "encrypt"],
      [["encrypt", "-a", "RSA1_5", "--value", "AAEC"], "encrypt"],
      [["wrap-key", "-a", "RSA-OAEP", "--value", "AAEC"], "wrapKey"],
      [["sign", "-a", "RS256", "--digest", DIGEST], "sign"],
    ] as const) {
      const run = await cli([args[0], ...V, "-n", "soon", ...args.slice(1)]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`ERROR: \\(Forbidden\\) Operation ${op} is not allowed on an expired key\\.`));
    }
    expect((await cli(["decrypt", ...V, "-n", "soon", "-a", "RSA-OAEP-256", "--value", enc.result])).json().result).toBe("dGlja3RvY2s=");
    expect((await cli(["verify", ...V, "-n", "soon", "-a", "RS256", "--digest", DIGEST, "--signature", sig.signature])).json().isValid).toBe(true);
  });

  test("a key valid since last year is not yet valid while the vault's clock is two years behind", async () => {
    clock.set(Date.now() - 2 * 365 * DAY);
    const since = isoDay(Date.now() - 365 * DAY);
    expect((await cli(["create", ...V, "-n", "since", "--not-before", since, "-o", "none"])).code).toBe(0);
    const run = await cli(["encrypt", ...V, "-n", "since", "-a", "RSA1_5", "--value", "AAEC"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/ERROR: \(Forbidden\) Operation encrypt is not allowed on a key that is not yet valid/);
    clock.set(Date.now());
    expect((await cli(["encrypt", ...V, "-n", "since", "-a", "RSA1_5", "--value", "AAEC"])).code).toBe(0);
  });
});
