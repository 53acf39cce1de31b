// A small seeded pseudo-random generator (mulberry32) for the fuzz and crash suites: the same seed
// gives the same sequence, so a failure reproduces with KVKEY_TEST_SEED=<the seed it printed>.

export interface Random {
  readonly seed: number;
  /** [0, 1) */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** An integer in [min, max]. */
  between(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  /** A string of `length` characters drawn from `alphabet`. */
  string(length: number, alphabet?: string): string;
}

export function random(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    seed,
    next,
    int,
    between: (min, max) => min + int(max - min + 1),
    pick: (items) => items[int(items.length)]!,
    chance: (p) => next() < p,
    string(length, alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-") {
      let out = "";
      for (let i = 0; i < length; i++) out += alphabet[int(alphabet.length)];
      return out;
    },
  };
}

/** The seed of this run: KVKEY_TEST_SEED when set (to replay a failure), else a fixed default. */
export function testSeed(fallback: number): number {
  const given = process.env.KVKEY_TEST_SEED;
  if (given === undefined || given === "") return fallback;
  const seed = Number(given);
  if (!Number.isSafeInteger(seed)) throw new Error(`KVKEY_TEST_SEED must be an integer, not '${given}'`);
  return seed;
}
