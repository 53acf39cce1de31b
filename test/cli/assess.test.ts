import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cliIn } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";
import { patient } from "../helpers/patience.js";

// `kvkey assess` against the embedded vault: a vault seeded with one key per finding produces exactly
// those findings; a key made by the book produces none; --fail-on gates on severity.

let home: { dir: string; cleanup: () => void };
let cli: ReturnType<typeof cliIn>;

const DAY_MS = 86_400_000;
const azDate = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const YEAR = azDate(Date.now() + 365 * DAY_MS);
const POLICY = '{"lifetimeActions":[{"trigger":{"timeAfterCreate":"P90D"},"action":{"type":"Rotate"}}],"attributes":{"expiryTime":"P1Y"}}';
const SLOW_POLICY = '{"lifetimeActions":[{"trigger":{"timeAfterCreate":"P2Y"},"action":{"type":"Rotate"}}],"attributes":{"expiryTime":"P3Y"}}';

async function ok(args: string[]) {
  const run = await cli(args);
  expect(run.code, `${args.join(" ")}\n${run.stderr}`).toBe(0);
  return run;
}

/** A key that breaks no rule unless `changes` say otherwise: EC P-256, sign/verify, a year to live, rotated every 90 days. */
async function seed(vault: string, name: string, changes: { create?: string[]; policy?: string | null; expires?: string | null } = {}) {
  const expires = changes.expires === undefined ? ["--expires", YEAR] : changes.expires === null ? [] : ["--expires", changes.expires];
  const create = changes.create ?? ["--kty", "EC", "--curve", "P-256", "--ops", "sign", "verify"];
  await ok(["create", "--vault-name", vault, "-n", name, ...create, ...expires]);
  const policy = changes.policy === undefined ? POLICY : changes.policy;
  if (policy !== null) await ok(["rotation-policy", "update", "--vault-name", vault, "-n", name, "--value", policy]);
}

type Finding = { severity: string; rule: string; scope: string; key: string | null; version: string | null; message: string; fix: string };

beforeAll(async () => {
  home = tempDataDir();
  cli = cliIn(home.dir);
  // One key per finding, in a vault with short retention and no purge protection.
  await ok(["emulator", "vault", "create", "-n", "seeded", "--retention-days", "7"]);
  await seed("seeded", "good");
  await seed("seeded", "no-expiry", { expires: null });
  await seed("seeded", "expired", { expires: azDate(Date.now() - DAY_MS) });
  await seed("seeded", "soon", { expires: azDate(Date.now() + 10 * DAY_MS) });
  await seed("seeded", "no-policy", { policy: null });
  await seed("seeded", "slow-rotation", { policy: SLOW_POLICY });
  await seed("seeded", "all-ops", { create: ["--kty", "RSA", "--size", "3072"] });
  await seed("seeded", "enc-and-sign", { create: ["--kty", "RSA", "--size", "3072", "--ops", "encrypt", "decrypt", "sign"] });
  await seed("seeded", "rsa-2048", { create: ["--kty", "RSA", "--size", "2048", "--ops", "sign", "verify"] });
  await seed("seeded", "disabled", { create: ["--kty", "EC", "--ops", "sign", "verify", "--disabled", "true"] });
  // By the book: purge protection, 90 days, one good key.
  await ok(["emulator", "vault", "create", "-n", "book", "--retention-days", "90", "--enable-purge-protection", "true"]);
  await seed("book", "good");
  // Only medium and low findings.
  await ok(["emulator", "vault", "create", "-n", "medium", "--enable-purge-protection", "true"]);
  await seed("medium", "no-policy", { policy: null });
}, patient(120_000));
afterAll(() => home.cleanup());

describe("kvkey assess", () => {
  test("a vault seeded with one key per finding produces exactly those findings, most severe first", async () => {
    const run = await ok(["assess", "--vault-name", "seeded"]);
    const findings = run.json() as Finding[];
    expect(findings.map((f) => `${f.severity} ${f.key ?? "(vault)"} ${f.rule}`)).toEqual([
      "high expired expired",
      "high no-expiry no-expiry",
      "medium (vault) purge-protection-disabled",
      "medium all-ops all-operations",
      "medium no-policy no-rotation-policy",
      "medium soon expires-soon",
      "low (vault) short-soft-delete-retention",
      "low disabled disabled-not-deleted",
      "low enc-and-sign encryption-and-signing",
      "low rsa-2048 rsa-under-3072",
      "low slow-rotation rotation-interval-over-a-year",
    ]);
    const byKey = Object.fromEntries(findings.filter((f) => f.key).map((f) => [f.key!, f]));
    expect(byKey["no-expiry"]!.fix).toMatch(/^kvkey set-attributes --vault-name seeded -n no-expiry --expires \d{4}-\d{2}-\d{2}T00:00:00Z$/);
    expect(byKey["expired"]!.fix).toBe("kvkey rotate --vault-name seeded -n expired");
    expect(byKey["no-policy"]!.fix).toBe(`kvkey rotation-policy update --vault-name seeded -n no-policy --value '${POLICY}'`);
    expect(byKey["all-ops"]!.fix).toBe("kvkey set-attributes --vault-name seeded -n all-ops --ops sign verify");
    expect(byKey["disabled"]!.fix).toBe("kvkey delete --vault-name seeded -n disabled");
    expect(byKey["soon"]!.message).toMatch(/in (9|10) days/);
    expect(byKey["slow-rotation"]!.message).toMatch(/every 730 days/);
    expect(byKey["all-ops"]!.version).toMatch(/^[0-9a-f]{32}$/);
    const vault = findings.filter((f) => f.scope === "vault").map((f) => f.fix);
    expect(vault).toEqual(["kvkey emulator vault create -n seeded --enable-purge-protection true", "kvkey emulator vault create -n seeded-90d --retention-days 90"]);
    expect(run.stderr).toBe("");
  });

  test("every fix is a working kvkey command: running them all leaves no findings", async () => {
    const other = tempDataDir();
    try {
      const c = cliIn(other.dir);
      await c(["create", "--vault-name", "fixme", "-n", "k", "--kty", "RSA", "--size", "3072"]);
      const before = (await c(["assess", "--vault-name", "fixme"])).json() as Finding[];
      expect(before.map((f) => f.rule).sort()).toEqual(
        ["all-operations", "no-expiry", "no-rotation-policy", "purge-protection-disabled"].sort(),
      );
      for (const f of before) {
        const args = (f.fix.match(/'[^']*'|\S+/g) ?? []).slice(1).map((a) => a.replace(/^'|'$/g, ""));
        const run = await c(args);
        expect(run.code, `${f.fix}\n${run.stderr}`).toBe(0);
      }
      expect((await c(["assess", "--vault-name", "fixme"])).json()).toEqual([]);
    } finally {
      other.cleanup();
    }
  });

  test("a vault and key made by the book produce no findings", async () => {
    const run = await ok(["assess", "--vault-name", "book"]);
    expect(run.json()).toEqual([]);
    expect((await ok(["assess", "--vault-name", "book", "--fail-on", "low"])).code).toBe(0);
  });

  test("--fail-on high exits 4 only when a high finding exists, and still prints the findings", async () => {
    const failing = await cli(["assess", "--vault-name", "seeded", "--fail-on", "high"]);
    expect(failing.code).toBe(4);
    expect(failing.stderr).toBe("ERROR: 2 findings at or above high severity (--fail-on high).\n");
    expect((failing.json() as Finding[]).length).toBe(11);

    const medium = await cli(["assess", "--vault-name", "medium", "--fail-on", "high"]);
    expect(medium.code).toBe(0);
    expect((medium.json() as Finding[]).map((f) => f.rule)).toEqual(["no-rotation-policy"]);
    expect((await cli(["assess", "--vault-name", "medium", "--fail-on", "medium"])).code).toBe(4);
    expect((await cli(["assess", "--vault-name", "medium", "--fail-on", "critical"])).code).toBe(2);
  });

  test("--hsm-name assesses a managed HSM: its default policy (no actions) is no rotation policy; fixes address the HSM and work", async () => {
    // A managed HSM has no Notify action and no default policy: GET answers lifetimeActions [], which
    // must count as "no rotation policy", and every fix must name --hsm-name, not --vault-name.
    const other = tempDataDir();
    try {
      const c = cliIn(other.dir);
      const hsm = ["--hsm-name", "hsmcheck"];
      expect((await c(["emulator", "vault", "create", "-n", "hsmcheck", "--hsm", "--retention-days", "90", "--enable-purge-protection", "true"])).code).toBe(0);
      expect((await c(["create", ...hsm, "-n", "book", "--kty", "EC-HSM", "--ops", "sign", "verify", "--expires", YEAR])).code).toBe(0);
      expect((await c(["rotation-policy", "update", ...hsm, "-n", "book", "--value", POLICY])).code).toBe(0);
      expect((await c(["create", ...hsm, "-n", "bare", "--kty", "EC-HSM", "--ops", "sign", "verify"])).code).toBe(0);
      const findings = (await c(["assess", ...hsm])).json() as Finding[];
      expect(findings.map((f) => `${f.severity} ${f.key} ${f.rule}`)).toEqual(["high bare no-expiry", "medium bare no-rotation-policy"]);
      for (const f of findings) {
        expect(f.fix).toMatch(/^kvkey (set-attributes|rotation-policy update) --hsm-name hsmcheck -n bare /);
        const args = (f.fix.match(/'[^']*'|\S+/g) ?? []).slice(1).map((a) => a.replace(/^'|'$/g, ""));
        const run = await c(args);
        expect(run.code, `${f.fix}\n${run.stderr}`).toBe(0);
      }
      const after = await c(["assess", ...hsm, "--fail-on", "low"]);
      expect(after.code, after.stderr).toBe(0);
      expect(after.json()).toEqual([]);
    } finally {
      other.cleanup();
    }
  });

  test("a table on a terminal; --query and -o work as for any command", async () => {
    const tty = await cli(["assess", "--vault-name", "seeded"], { tty: true, columns: 1000, env: { NO_COLOR: "1" } });
    expect(tty.code).toBe(0);
    expect(tty.stdout).toMatch(/^Severity\s+Key\s+Rule\s+Finding\s+Fix/);
    expect(tty.stdout).toMatch(/high\s+no-expiry\s+no-expiry\s+The key has no expiration date.*kvkey set-attributes/);
    // A narrower terminal gives up the rule id first.
    const narrow = await cli(["assess", "--vault-name", "seeded"], { tty: true, columns: 300 });
    expect(narrow.stdout).toMatch(/^Severity\s+Key\s+Finding\s+Fix/);
    const high = await ok(["assess", "--vault-name", "seeded", "--query", "[?severity=='high'].key", "-o", "tsv"]);
    expect(high.stdout).toBe("expired\nno-expiry\n");
  });

  test("judges expiry on the emulator clock", async () => {
    // (A key with a Rotate policy would be rotated by the shift; this one has none.)
    expect((await ok(["assess", "--vault-name", "medium"])).json().map((f: Finding) => f.rule)).toEqual(["no-rotation-policy"]);
    await ok(["emulator", "time-shift", "P360D"]);
    try {
      const findings = (await ok(["assess", "--vault-name", "medium"])).json() as Finding[];
      expect(findings.map((f) => f.rule)).toEqual(["expires-soon", "no-rotation-policy"]);
    } finally {
      await ok(["emulator", "time-shift", "--reset"]);
    }
  });
});
