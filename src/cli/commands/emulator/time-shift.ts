import { resolve } from "node:path";
import { defineCommand } from "../../spec.js";
import { UsageError, ValidationError } from "../../errors.js";
import { DATA_DIR_OPTION } from "../../args/emulator-options.js";
import { withDataDirEmulator } from "../../local-emulator.js";
import { durationSeconds, formatSeconds, parseDuration } from "../../../shared/duration.js";
import { rawString } from "../../args/raw.js";

// `kvkey emulator time-shift`: moves the emulator clock of a data directory forward, so key expiry,
// scheduled purges and automatic rotation can be seen without waiting. The shift lives in the database:
// the CLI's embedded vault and a served emulator on the same data directory see it at their next request.

/** Python's isoformat for UTC, as az prints dates. */
function iso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "+00:00");
}

export const emulatorTimeShiftCommand = defineCommand({
  path: ["emulator", "time-shift"],
  summary: "Move the emulator clock of a data directory forward (or show it, or return to real time).",
  description:
    "Key expiry (nbf/exp), scheduled purges of deleted keys and automatic rotation follow the emulator clock. The shift is stored in the data " +
    "directory, so the embedded vault and a running `kvkey emulator start` on it both see it. Without a duration, shows the current shift.",
  options: [{ flags: "--reset", help: "Return to real time (a shift of zero)." }, DATA_DIR_OPTION],
  args: [{ name: "duration", help: "How far to move the clock forward: an ISO 8601 duration (P30D, PT12H, P1Y) or 30d, 12h, 90m, 1d12h." }],
  examples: [
    { title: "Move 30 days ahead (adds to any earlier shift).", command: "kvkey emulator time-shift P30D" },
    { title: "Move 12 hours ahead.", command: "kvkey emulator time-shift 12h" },
    { title: "Show the shift and the emulator's time.", command: "kvkey emulator time-shift" },
    { title: "Back to real time.", command: "kvkey emulator time-shift --reset" },
  ],
  parse(raw, { cwd }) {
    const text = rawString(raw, "duration");
    const reset = raw.reset === true;
    if (text !== undefined && reset) throw new ValidationError("Give a duration or --reset, not both.");
    let seconds: number | undefined;
    if (text !== undefined) {
      const duration = parseDuration(text);
      if (!duration) throw new UsageError(`argument duration: invalid duration value: '${text}' (use an ISO 8601 duration such as P30D or PT12H, or 30d, 12h)`);
      seconds = durationSeconds(duration);
    }
    const dataDir = rawString(raw, "dataDir");
    return { seconds, reset, dataDir: dataDir === undefined ? undefined : resolve(cwd, dataDir) };
  },
  async run(o, ctx) {
    return withDataDirEmulator(ctx, o.dataDir, (emulator) => {
      if (o.reset) emulator.setTimeShift(0);
      else if (o.seconds !== undefined) emulator.advanceTime(o.seconds * 1000);
      const shiftMs = emulator.timeShift();
      // Real time first: the emulator's now, read after it, is never less than realNow + shift.
      const realNow = Date.now();
      return {
        dataDir: emulator.dataDir ?? null,
        now: iso(emulator.now()),
        realNow: iso(realNow),
        shift: formatSeconds(Math.floor(shiftMs / 1000)),
        shiftSeconds: Math.floor(shiftMs / 1000),
      };
    });
  },
});
