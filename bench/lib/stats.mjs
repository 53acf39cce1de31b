// Small helpers shared by the bench scripts: statistics, formatting, verdicts and the machine line.
import { appendFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";

export function median(values) {
  const s = Float64Array.from(values).sort();
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function percentile(values, q) {
  const s = Float64Array.from(values).sort();
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

export function machine() {
  const cpu = cpus();
  const load = loadavg().map((l) => l.toFixed(2)).join(" ");
  return `node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, load average ${load}`;
}

export const ms = (v) => `${v.toFixed(1)} ms`;

/**
 * Prints one target beside its baseline and its verdict, and records it for bench/all.mjs when
 * BENCH_RESULTS names a file (one JSON object a line).
 */
export function verdict({ target, measured, baseline, goal, met, skipped }) {
  const word = skipped ? "NOT MEASURED" : met ? "MET" : "NOT MET";
  console.log(`  ${word.padEnd(12)} ${target}: ${measured}${baseline ? `  [baseline: ${baseline}]` : ""}  (target: ${goal})`);
  if (process.env.BENCH_RESULTS) {
    appendFileSync(process.env.BENCH_RESULTS, JSON.stringify({ target, measured, baseline, goal, verdict: word, skipped: skipped ?? undefined }) + "\n");
  }
  return word;
}
