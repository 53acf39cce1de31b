// "Did you mean ...?" for mistyped commands and flags.
import { get_close_matches } from "argparse/lib/difflib.js";

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = above;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate within a small edit distance (or a prefix match), if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const candidate of candidates) {
    const score = candidate.startsWith(word) && word.length >= 2 ? 0.5 : distance(word, candidate);
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return bestScore <= limit ? best : undefined;
}

/**
 * Python's difflib.get_close_matches, which az uses for "Did you mean ...?" after a misspelled command
 * or an enum value it does not know: Ratcliff/Obershelp similarity, best first, ties going to the larger
 * string. The argparse package carries a port of it for its own suggestions; it does not export it, so
 * this imports the file itself. package.json pins argparse with `~` (patch releases only) for that
 * reason, and the build and the suggestion tests fail at once if the file ever moves.
 */
export function getCloseMatches(word: string, possibilities: readonly string[], n = 3, cutoff = 0.6): string[] {
  return get_close_matches(word, possibilities, n, cutoff);
}
