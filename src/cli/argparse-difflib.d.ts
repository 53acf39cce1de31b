// Types for the difflib port inside the argparse package (lib/difflib.js), which src/cli/suggest.ts uses.
declare module "argparse/lib/difflib.js" {
  /** Python's difflib.get_close_matches: up to n possibilities whose similarity to word is at least cutoff, best first. */
  export function get_close_matches(word: string, possibilities: readonly string[], n?: number, cutoff?: number): string[];
}
