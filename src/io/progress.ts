import type { CliIO } from "./streams.js";
import { monotonicMs } from "../shared/monotonic.js";

// A counter on stderr for work that goes through many items ("Listed 250 keys..."): only on a TTY,
// only once the work has taken long enough to notice, redrawn at most every so often, and wiped
// when the work ends, so piped output and quick commands never see it.

export interface Counter {
  update(count: number): void;
  /** Clears the line if anything was drawn. */
  done(): void;
}

export interface CounterOptions {
  /** Nothing is drawn before this much time has passed (default 250 ms, the spinner's delay). */
  delayMs?: number;
  /** Minimum time between redraws (default 100 ms). */
  intervalMs?: number;
  now?: () => number;
}

const NO_COUNTER: Counter = { update() {}, done() {} };

export function startCounter(io: CliIO, render: (count: number) => string, options: CounterOptions = {}): Counter {
  if (!io.isStderrTTY || io.env.CI) return NO_COUNTER;
  const now = options.now ?? monotonicMs;
  const delay = options.delayMs ?? 250;
  const interval = options.intervalMs ?? 100;
  const started = now();
  let drawnAt: number | undefined;
  return {
    update(count) {
      const t = now();
      if (t - started < delay) return;
      if (drawnAt !== undefined && t - drawnAt < interval) return;
      drawnAt = t;
      io.stderr.write(`\r\u001b[2K${render(count)}`);
    },
    done() {
      if (drawnAt !== undefined) io.stderr.write("\r\u001b[2K");
    },
  };
}
