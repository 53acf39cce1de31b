import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AZ_ERROR_CONTINUATION } from "../helpers/cli.js";
import { requireBuilt, runKvkey, spawnKvkey } from "../helpers/binary.js";
import { tempDataDir } from "../helpers/emulator.js";
import { random, testSeed } from "../helpers/prng.js";
import { patient } from "../helpers/patience.js";

// Several kvkey processes on one data directory at once, as parallel CI jobs run them: no write is
// lost, no caller sees an error that is not the service's own answer (never SQLITE_BUSY, "database is
// locked" or a crash), and a key is never left both active and deleted, nor half-written.
// Needs the built binary (`npm test` builds it).

let temp: { dir: string; cleanup: () => void };
beforeAll(() => {
  requireBuilt();
  temp = tempDataDir("kvkey-conc-");
});
afterAll(() => temp?.cleanup());

const CREATE = "create --vault-name conc -n contended --kty EC --curve P-256 --query key.kid -o tsv";
const VAULT_CREATED = /^Created the local key vault https:\/\/conc\.vault\.localhost in .*$/;

/** Every version of a key, as a fresh process lists them. */
async function versions(home: string, vault: string, name: string): Promise<string[]> {
  const run = await runKvkey(["list-versions", "--vault-name", vault, "-n", name, "--query", "[].kid", "-o", "tsv"], { home });
  expect(run.code, run.stderr).toBe(0);
  return run.stdout.split("\n").filter(Boolean);
}

/** Keys rows with no version (a half-written key), read straight from the database. */
function orphans(home: string): string[] {
  const db = new Database(join(home, "kvkey.db"), { readonly: true, fileMustExist: true });
  try {
    db.pragma("busy_timeout = 10000");
    return (db.prepare("SELECT k.vault_id || '/' || k.name AS id FROM keys k WHERE NOT EXISTS (SELECT 1 FROM key_versions v WHERE v.vault_id = k.vault_id AND v.name = k.name)").all() as Array<{ id: string }>).map((r) => r.id);
  } finally {
    db.close();
  }
}

describe("concurrent writers on one data directory", () => {
  test("8 processes x 25 `kvkey create` of one key, on a data directory none of them has seen: exactly 200 versions", async () => {
    const home = join(temp.dir, "two-hundred");
    // Each process runs its 25 creates through `kvkey shell` (one process, 25 commands, as a CI job
    // script piped into kvkey would): the processes write concurrently the whole time.
    const script = `${Array.from({ length: 25 }, () => CREATE).join("\n")}\n`;
    const runs = await Promise.all(Array.from({ length: 8 }, () => runKvkey(["shell"], { home, input: script })));

    const reported: string[] = [];
    const notes: string[] = [];
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(0);
      // Nothing on stderr but the one-time note that the vault was created (by whichever process won).
      for (const line of run.stderr.split("\n").filter(Boolean)) {
        expect(line, `stderr of a writer:\n${run.stderr}`).toMatch(VAULT_CREATED);
        notes.push(line);
      }
      const kids = run.stdout.split("\n").filter(Boolean);
      expect(kids, run.stdout).toHaveLength(25);
      reported.push(...kids);
    }
    expect(notes).toHaveLength(1);
    expect(new Set(reported).size).toBe(200);
    const listed = await versions(home, "conc", "contended");
    expect(listed).toHaveLength(200);
    expect(new Set(listed.map((kid) => kid.split("/").pop()))).toEqual(new Set(reported.map((kid) => kid.split("/").pop())));
  }, patient(60_000));

  test("8 x 3 separate `kvkey create` processes (each opens, migrates and closes the database): nothing lost", async () => {
    const home = join(temp.dir, "separate");
    const lane = async () => {
      const kids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const run = await runKvkey(CREATE.split(" "), { home });
        expect(run.code, run.stderr).toBe(0);
        expect(run.stderr.split("\n").filter((l) => l !== "" && !VAULT_CREATED.test(l))).toEqual([]);
        kids.push(run.stdout.trim());
      }
      return kids;
    };
    const reported = (await Promise.all(Array.from({ length: 8 }, lane))).flat();
    expect(new Set(reported).size).toBe(24);
    expect(new Set(await versions(home, "conc", "contended"))).toEqual(new Set(reported));
  }, patient(60_000));
});

describe("interleaved delete, recover, purge and create from several processes", () => {
  const SEED = testSeed(0x64656c);
  const NAMES = ["alpha", "beta", "gamma"];
  const PROCESSES = 4;
  const OPS = 50;
  type Op = "create" | "delete" | "recover" | "purge" | "show" | "show-deleted";
  const COMMAND: Record<Op, (name: string) => string> = {
    create: (n) => `create --vault-name dr -n ${n} --kty EC -o tsv --query key.kid`,
    delete: (n) => `delete --vault-name dr -n ${n} -y --only-show-errors -o tsv --query recoveryId`,
    recover: (n) => `recover --vault-name dr -n ${n} -o tsv --query key.kid`,
    purge: (n) => `purge --vault-name dr -n ${n} -y`,
    show: (n) => `show --vault-name dr -n ${n} -o tsv --query key.kid`,
    "show-deleted": (n) => `show-deleted --vault-name dr -n ${n} -o tsv --query recoveryId`,
  };
  /** The only refusals a caller may see: the service's own 404 and 409. */
  const SERVICE_REFUSAL = /^ERROR: \((KeyNotFound|Conflict)\) /;
  const MARKER = /^kvkey \d+\.\d+\.\d+$/;

  test(`${PROCESSES} processes x ${OPS} seeded operations on ${NAMES.length} keys (seed ${SEED})`, async () => {
    const home = join(temp.dir, "lifecycle");
    const setup = await runKvkey(["shell"], { home, input: NAMES.map((n) => `${COMMAND.create(n)}\n`).join("") });
    expect(setup.code, setup.stderr).toBe(0);

    const r = random(SEED);
    const plans = Array.from({ length: PROCESSES }, () =>
      Array.from({ length: OPS }, () => ({ op: r.pick<Op>(["create", "delete", "delete", "recover", "purge", "purge", "show", "show-deleted"]), name: r.pick(NAMES) })),
    );
    // stdout and stderr go to one file so that their order is kept; `version` after each command marks its end.
    const outputs = plans.map((_, i) => join(home, `lane-${i}.out`));
    const children = plans.map((plan, i) => {
      const fd = openSync(outputs[i]!, "w");
      const child = spawnKvkey(["shell"], { home, stdio: ["pipe", fd, fd] });
      closeSync(fd);
      child.stdin!.end(plan.map(({ op, name }) => `${COMMAND[op](name)}\nversion\n`).join(""));
      return new Promise<number | null>((resolve) => child.once("close", resolve));
    });

    // Meanwhile, sample the database: never a key row without a version.
    let sampling = true;
    const samples: string[][] = [];
    const sampler = (async () => {
      while (sampling) {
        if (existsSync(join(home, "kvkey.db"))) samples.push(orphans(home));
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    const codes = await Promise.all(children);
    sampling = false;
    await sampler;
    expect(samples.length).toBeGreaterThan(3);
    expect(samples.flat()).toEqual([]);

    // Every command got exactly one answer: its output, or one ERROR line that is the service's refusal.
    const succeeded = new Map<string, Record<Op, number>>(NAMES.map((n) => [n, { create: 0, delete: 0, recover: 0, purge: 0, show: 0, "show-deleted": 0 }]));
    const refusals = new Map<string, number>();
    // Each shell exits with its first failed command's code (az's: 3 for show of a missing key, else 1).
    const expectedCodes = plans.map(() => 0);
    plans.forEach((plan, i) => {
      const lines = readFileSync(outputs[i]!, "utf8").split("\n").filter(Boolean);
      const answers: string[][] = [[]];
      for (const line of lines) {
        if (MARKER.test(line)) answers.push([]);
        else answers[answers.length - 1]!.push(line);
      }
      expect(answers.pop(), `trailing output of lane ${i}`).toEqual([]);
      expect(answers, `lane ${i} answered ${answers.length} of ${plan.length} commands:\n${lines.join("\n")}`).toHaveLength(plan.length);
      plan.forEach(({ op, name }, j) => {
        const answer = answers[j]!;
        const error = answer.filter((l) => l.startsWith("ERROR"));
        if (error.length === 0) {
          if (op !== "purge") expect(answer, `${op} ${name} in lane ${i}`).toHaveLength(1);
          succeeded.get(name)![op]++;
        } else {
          // The ERROR line, then only az's continuation lines (the service error's Code:/Message:).
          expect(answer.filter((l) => !AZ_ERROR_CONTINUATION.test(l)), `${op} ${name} in lane ${i}`).toHaveLength(1);
          expect(error[0], `${op} ${name} in lane ${i}`).toMatch(SERVICE_REFUSAL);
          const code = /^ERROR: \((\w+)\)/.exec(error[0]!)![1]!;
          refusals.set(`${op} ${code}`, (refusals.get(`${op} ${code}`) ?? 0) + 1);
          if (expectedCodes[i] === 0) expectedCodes[i] = op === "show" && code === "KeyNotFound" ? 3 : 1;
        }
      });
    });
    expect(codes).toEqual(expectedCodes);
    // The mix really interleaved: each kind of operation both succeeded and was refused somewhere.
    for (const op of ["delete", "recover", "purge", "create"] as const) {
      expect([...succeeded.values()].some((s) => s[op] > 0), `some ${op} succeeded`).toBe(true);
    }
    expect([...refusals.keys()].some((k) => k.startsWith("delete "))).toBe(true);

    // Counting: a delete takes an active key to deleted; recover and purge take it out again. So per
    // key, successful deletes minus recovers minus purges is 1 exactly when it ends deleted, else 0.
    const active = new Set((await runKvkey(["list", "--vault-name", "dr", "--query", "[].name", "-o", "tsv"], { home })).stdout.split("\n").filter(Boolean));
    const deleted = new Set((await runKvkey(["list-deleted", "--vault-name", "dr", "--query", "[].name", "-o", "tsv"], { home })).stdout.split("\n").filter(Boolean));
    for (const name of NAMES) {
      const s = succeeded.get(name)!;
      const balance = s.delete - s.recover - s.purge;
      expect({ name, balance, counts: s }).toMatchObject({ balance: deleted.has(name) ? 1 : 0 });
      expect(active.has(name) && deleted.has(name), `${name} is both active and deleted`).toBe(false);
    }
    expect(orphans(home)).toEqual([]);
  }, patient(60_000));
});
