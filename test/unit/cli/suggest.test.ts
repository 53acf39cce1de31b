import { describe, expect, test } from "vitest";
import { getCloseMatches } from "../../../src/cli/suggest.js";

// getCloseMatches is argparse's port of Python's difflib.get_close_matches (read from a file the package
// does not export: see suggest.ts). Expected values are what CPython's difflib returns for the same call,
// ties and cutoffs included, so a change of that file shows here rather than in az's suggestions.
describe("getCloseMatches gives Python difflib's answers", () => {
  test.each([
    ["shw", ["show", "list", "shell", "show-deleted"], 3, 0.7, ["show"]],
    ["sofware", ["software", "hsm"], 3, 0.7, ["software"]],
    ["lst", ["list", "lst2", "last", "set"], 3, 0.6, ["lst2", "list", "last"]],
    // Equal ratios: the larger string first, as heapq.nlargest orders (score, word) pairs.
    ["ab", ["ba", "ab ", "ba "], 3, 0, ["ab ", "ba", "ba "]],
    ["rotaton-policy", ["rotate", "rotation-policy", "rotation"], 3, 0.6, ["rotation-policy", "rotation"]],
    ["jsn", ["json", "jsonc", "yaml", "tsv", "none"], 3, 0.6, ["json", "jsonc"]],
    ["xyz", ["show", "list"], 3, 0.7, []],
  ] as const)("%s among %j (n=%d, cutoff=%d)", (word, possibilities, n, cutoff, expected) => {
    expect(getCloseMatches(word, possibilities, n, cutoff)).toEqual(expected);
  });
});
