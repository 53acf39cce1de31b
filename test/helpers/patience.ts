import { availableParallelism, loadavg } from "node:os";

// Tests hold on a busy machine (CI and laptops share two cores with builds and other suites): nothing
// asserts how long something took, and a deadline exists only so that a hang fails with a message
// instead of the suite's timeout. Deadlines scale with the machine: KVKEY_TEST_PATIENCE (a factor) when
// set, else the load average per core, so a machine running twice as much as it has cores waits twice
// as long. Prefer awaiting the event itself (a promise, a stream's end) to any deadline.

/** The factor deadlines are multiplied by now: at least 1, at most 10. */
export function patienceFactor(): number {
  const fixed = Number(process.env.KVKEY_TEST_PATIENCE);
  if (Number.isFinite(fixed) && fixed > 0) return fixed;
  const perCore = (loadavg()[0] ?? 0) / Math.max(1, availableParallelism());
  return Math.min(10, Math.max(1, perCore));
}

/** A deadline of `ms` on a quiet machine, scaled for this one. */
export function patient(ms: number): number {
  return Math.round(ms * patienceFactor());
}

/**
 * Resolves with check()'s first truthy answer, polling every `everyMs`; rejects with `what` (and the last
 * answer) once patient(ms) has passed. For state another process changes, which no promise announces.
 */
export async function eventually<T>(check: () => T | Promise<T>, what: string, ms = 15_000, everyMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + patient(ms);
  for (;;) {
    const answer = await check();
    if (answer) return answer as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${patient(ms)} ms at patience ${patienceFactor().toFixed(1)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
