// "Did you mean ...?" for mistyped commands and flags.

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
 * or an enum value it does not know: Ratcliff/Obershelp similarity (SequenceMatcher.ratio), best first,
 * ties going to the larger string as Python's heapq.nlargest breaks them.
 */
export function getCloseMatches(word: string, possibilities: readonly string[], n = 3, cutoff = 0.6): string[] {
  const scored: Array<[number, string]> = [];
  const matcher = new SequenceMatcher(word);
  for (const candidate of possibilities) {
    const ratio = matcher.ratioWith(candidate);
    if (ratio >= cutoff) scored.push([ratio, candidate]);
  }
  scored.sort((x, y) => y[0] - x[0] || (x[1] < y[1] ? 1 : x[1] > y[1] ? -1 : 0));
  return scored.slice(0, n).map(([, candidate]) => candidate);
}

/** difflib.SequenceMatcher with b fixed (the word typed) and no junk function. */
class SequenceMatcher {
  private readonly b: string[];
  private readonly b2j = new Map<string, number[]>();
  private readonly popular = new Set<string>();

  constructor(b: string) {
    this.b = [...b];
    this.b.forEach((ch, i) => {
      const list = this.b2j.get(ch);
      if (list) list.push(i);
      else this.b2j.set(ch, [i]);
    });
    // difflib's autojunk: in a sequence of 200 or more, very common elements are not indexed.
    const n = this.b.length;
    if (n >= 200) {
      const limit = Math.floor(n / 100) + 1;
      for (const [ch, list] of this.b2j) if (list.length > limit) this.popular.add(ch);
      for (const ch of this.popular) this.b2j.delete(ch);
    }
  }

  ratioWith(text: string): number {
    const a = [...text];
    const total = a.length + this.b.length;
    if (total === 0) return 1;
    const matched = this.matchingBlocks(a).reduce((sum, [, , size]) => sum + size, 0);
    return (2 * matched) / total;
  }

  private longestMatch(a: string[], alo: number, ahi: number, blo: number, bhi: number): [number, number, number] {
    let [besti, bestj, bestsize] = [alo, blo, 0];
    let j2len = new Map<number, number>();
    for (let i = alo; i < ahi; i++) {
      const next = new Map<number, number>();
      for (const j of this.b2j.get(a[i]!) ?? []) {
        if (j < blo) continue;
        if (j >= bhi) break;
        const k = (j2len.get(j - 1) ?? 0) + 1;
        next.set(j, k);
        if (k > bestsize) [besti, bestj, bestsize] = [i - k + 1, j - k + 1, k];
      }
      j2len = next;
    }
    // Extend with elements that were not indexed (the popular ones), as difflib does.
    while (besti > alo && bestj > blo && a[besti - 1] === this.b[bestj - 1]) [besti, bestj, bestsize] = [besti - 1, bestj - 1, bestsize + 1];
    while (besti + bestsize < ahi && bestj + bestsize < bhi && a[besti + bestsize] === this.b[bestj + bestsize]) bestsize++;
    return [besti, bestj, bestsize];
  }

  private matchingBlocks(a: string[]): Array<[number, number, number]> {
    const queue: Array<[number, number, number, number]> = [[0, a.length, 0, this.b.length]];
    const blocks: Array<[number, number, number]> = [];
    while (queue.length) {
      const [alo, ahi, blo, bhi] = queue.pop()!;
      const [i, j, k] = this.longestMatch(a, alo, ahi, blo, bhi);
      if (k) {
        blocks.push([i, j, k]);
        if (alo < i && blo < j) queue.push([alo, i, blo, j]);
        if (i + k < ahi && j + k < bhi) queue.push([i + k, ahi, j + k, bhi]);
      }
    }
    return blocks;
  }
}
