// How long the handler takes to answer hostile input: the named corpus and seeded random requests of
// test/reliability/fuzz-handler.test.ts, each timed. The test checks what every answer is (no 5xx, the
// error envelope, no key material); how long it takes is measured here, where a busy machine makes a
// slow run and not a failed build. A super-linear parser (a quadratic base64 trim, a deep recursion)
// shows up as one answer far slower than the rest.
// Usage: node --import ./test/emulator/fixtures/register-ts.mjs bench/hostile.mjs [requests per round]
//   (`node bench/all.mjs` runs it so.) It reads the TypeScript sources, so no build is needed.
import { hostileCorpus, request, seedEmulator, SLOW_MS } from "../test/helpers/hostile.js";
import { random } from "../test/helpers/prng.js";
import { machine, ms, percentile, verdict } from "./lib/stats.mjs";

const PER_ROUND = Number(process.argv[2] ?? 900);
const ROUNDS = 3;
const SEED = 0x6b766b79;

async function timed(s, req) {
  const t0 = process.hrtime.bigint();
  await s.emulator.handle(req);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

console.log(`hostile requests, timed one at a time: ${machine()}`);
const samples = [];
const s = await seedEmulator();
for (const [name, req] of hostileCorpus(s)) samples.push({ label: name, ms: await timed(s, req) });
s.emulator.close();
for (let round = 0; round < ROUNDS; round++) {
  const seeded = await seedEmulator();
  const r = random(SEED + round);
  for (let i = 0; i < PER_ROUND; i++) samples.push({ label: `seed ${SEED} round ${round} request ${i}`, ms: await timed(seeded, request(r, seeded)) });
  seeded.emulator.close();
}
const times = samples.map((x) => x.ms);
const slowest = [...samples].sort((a, b) => b.ms - a.ms).slice(0, 5);
console.log(`  ${samples.length} requests: median ${ms(percentile(times, 0.5))}, p99 ${ms(percentile(times, 0.99))}, max ${ms(slowest[0].ms)}`);
for (const x of slowest) console.log(`    ${ms(x.ms).padStart(10)}  ${x.label}`);
verdict({
  target: "slowest answer to a hostile request (handler, in-process)",
  measured: ms(slowest[0].ms),
  goal: `< ${SLOW_MS} ms`,
  met: slowest[0].ms < SLOW_MS,
});
