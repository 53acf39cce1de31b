import { afterAll, describe, expect, test } from "vitest";
import type { WireRequest, WireResponse } from "../../src/emulator/http/wire.js";
import { random, testSeed } from "../helpers/prng.js";
import { describeRequest, hostileCorpus, request, seedEmulator, violation, type Seeded } from "../helpers/hostile.js";
import { patient } from "../helpers/patience.js";

// Hostile input straight into the handler: a corpus of named attacks, then thousands of seeded
// pseudo-random malformed requests (bad JSON, wrong types, huge and empty members, invalid base64url,
// unknown api-versions, path tricks, overlong names, NUL bytes, oversized bodies, odd methods and
// headers). Every answer must be a 4xx (or a 2xx) in the service's error envelope and never carry a
// private key member. A failure prints the seed and the request: replay it with KVKEY_TEST_SEED=<seed>.
// How long each answer takes is bench/hostile.mjs's business, not a test's (a busy machine is slow).

const SEED = testSeed(0x6b766b79);
const ROUNDS = 3;
const PER_ROUND = 900;

async function check(s: Seeded, req: WireRequest, label: string, failures: string[]): Promise<number | undefined> {
  let res: WireResponse;
  try {
    res = await s.emulator.handle(req);
  } catch (err) {
    failures.push(`${label}: handle() threw ${(err as Error).stack ?? err}\n  request: ${describeRequest(req)}`);
    return undefined;
  }
  const problem = violation(req, res, s);
  if (problem) failures.push(`${label}: ${problem}\n  request: ${describeRequest(req)}`);
  return res.status;
}

const open: Seeded[] = [];
afterAll(() => {
  for (const s of open.splice(0)) s.emulator.close();
});

describe(`hostile requests to the handler (seed ${SEED})`, () => {
  test("the named corpus: no 5xx, no throw, the error envelope every time", async () => {
    const s = await seedEmulator();
    open.push(s);
    const failures: string[] = [];
    for (const [name, req] of hostileCorpus(s)) await check(s, req, name, failures);
    expect(failures, failures.join("\n")).toEqual([]);
  });

  test(`${ROUNDS} x ${PER_ROUND} seeded random malformed requests`, async () => {
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (let round = 0; round < ROUNDS && failures.length < 20; round++) {
      const s = await seedEmulator();
      open.push(s);
      const r = random(SEED + round);
      for (let i = 0; i < PER_ROUND && failures.length < 20; i++) {
        const status = await check(s, request(r, s), `KVKEY_TEST_SEED=${SEED} round ${round} request ${i}`, failures);
        if (status !== undefined) statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }
    expect(failures, failures.join("\n")).toEqual([]);
    // The requests reached every layer: some succeeded, and the refusals came from parsing, auth,
    // routing, lookups and the crypto rules alike (not all from one early check).
    const seen = [...statuses.keys()].sort();
    for (const status of [200, 400, 401, 403, 404, 405, 413]) expect(seen, `statuses seen: ${JSON.stringify([...statuses])}`).toContain(status);
    expect(statuses.get(200)! + (statuses.get(204) ?? 0)).toBeGreaterThan(ROUNDS * PER_ROUND * 0.05);
  }, patient(120_000));
});
