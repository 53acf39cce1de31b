import type { CliIO } from "./streams.js";

// Spinners go to stderr, only on a TTY, and only for calls that turn out to be slow: most local
// operations finish before the delay, so nothing flickers and ora is never even loaded.
const SPINNER_DELAY_MS = 250;

export async function withSpinner<T>(io: CliIO, text: string, work: () => Promise<T>): Promise<T> {
  if (!io.isStderrTTY || io.env.CI || io.env.TERM === "dumb") return work();
  let spinner: { stop(): void } | undefined;
  let finished = false;
  const timer = setTimeout(() => {
    void import("ora").then(({ default: ora }) => {
      if (finished) return;
      // The decision is made above from the injected IO and environment; ora would look at the real
      // process.env instead (and stay silent under a CI variable the command never saw).
      spinner = ora({ text, stream: io.stderr as NodeJS.WritableStream, discardStdin: false, isEnabled: true }).start();
    });
  }, SPINNER_DELAY_MS);
  try {
    return await work();
  } finally {
    finished = true;
    clearTimeout(timer);
    spinner?.stop();
  }
}
