import { defineCommand } from "../../spec.js";
import { UsageError } from "../../errors.js";
import { integer } from "../../args/values.js";
import { rawList, rawString } from "../../args/raw.js";
import { DATA_DIR_OPTION, dataDirOf } from "../../args/emulator-options.js";
import { withDataDirEmulator } from "../../local-emulator.js";
import { FaultRuleError, formatFaultRule, parseFaultRule } from "../../../shared/fault-rules.js";
import { runningEmulator } from "../../emulator-state.js";
import type { CommandContext } from "../../context.js";

// `kvkey emulator fault set|list|clear`: the fault rules of a data directory (docs/emulator.md, "Fault
// injection"). They live in its database, so a served emulator on the directory (every worker) applies a
// change at its next request; kvkey's own embedded vault never injects faults.

type Json = Record<string, unknown>;

const RULES_HELP =
  "Each rule is comma-separated key=value pairs. Match with op (REST or audit operation names, |-separated), vault, key, rate (0..1) and " +
  "count; act with status (400-599; 429 and 503 get Retry-After: 1 unless retry-after says otherwise), delay (250ms, 2s) or drop (close the " +
  "connection without answering). Rules are tried in order; the first that hits a request applies.";

function faultsTable(result: unknown): Json[] {
  const rules = (result as { rules?: Array<{ position: number; rule: string; injected: number }> }).rules ?? [];
  return rules.map((r) => ({ Rule: r.position, Fault: r.rule, Hits: r.injected }));
}

/** Rules written to the data directory do not reach an emulator that keeps its state in memory: say so. */
function warnIfInMemory(ctx: CommandContext, dataDir: string): void {
  const running = runningEmulator(dataDir);
  if (running?.inMemory) {
    ctx.warn(
      `The emulator serving ${dataDir} (pid ${running.pid}) keeps its state in memory: it does not read these rules. ` +
        "Give them to `kvkey emulator start --fault` instead, or start it on a data directory.",
    );
  }
}

function rulesOf(values: string[] | undefined, argument: string): string[] {
  return (values ?? []).map((text) => {
    try {
      return formatFaultRule(parseFaultRule(text));
    } catch (err) {
      if (err instanceof FaultRuleError) throw new UsageError(`argument ${argument}: '${text}': ${err.message}`);
      throw err;
    }
  });
}

export const emulatorFaultSetCommand = defineCommand({
  path: ["emulator", "fault", "set"],
  summary: "Replace the fault rules of an emulator's data directory; a running emulator applies them at its next request.",
  description: `${RULES_HELP} Setting rules restarts their hit counts and the seeded draws behind rate.`,
  options: [{ flags: "--seed <n>", help: "Seed of the draws behind rate: the same seed and requests hit the same ones.", defaultText: "random" }, DATA_DIR_OPTION],
  args: [{ name: "rules", help: "The rules, in the order they are tried.", required: true, variadic: true }],
  examples: [
    { title: "Answer every sign with 503 (Retry-After: 1).", command: "kvkey emulator fault set \"op=sign,status=503\"" },
    { title: "Throttle one read in four of key k1, reproducibly.", command: "kvkey emulator fault set \"op=getKey,key=k1,status=429,rate=0.25\" --seed 7" },
    { title: "Drop the connection of the next two decrypts, and slow every list.", command: "kvkey emulator fault set \"op=decrypt,drop,count=2\" \"op=listKeys,delay=2s\"" },
  ],
  parse(raw, { cwd }) {
    const rules = rulesOf(rawList(raw, "rules"), "rules");
    if (rules.length === 0) throw new UsageError("the following arguments are required: rules");
    const seed = integer("--seed", rawString(raw, "seed"));
    if (seed !== undefined && (seed < 0 || seed > 0xffffffff)) throw new UsageError(`argument --seed: must be a whole number from 0 to 4294967295, not ${seed}`);
    return { rules, seed, dataDir: dataDirOf(raw, cwd) };
  },
  async run(o, ctx) {
    warnIfInMemory(ctx, o.dataDir ?? ctx.home);
    return withDataDirEmulator(ctx, o.dataDir, (emulator) => ({ dataDir: emulator.dataDir ?? null, ...emulator.faults.set(o.rules, o.seed) }));
  },
  tableView: faultsTable,
});

export const emulatorFaultListCommand = defineCommand({
  path: ["emulator", "fault", "list"],
  summary: "Show the fault rules of an emulator's data directory, how many requests each has hit, and the seed.",
  options: [DATA_DIR_OPTION],
  examples: [
    { title: "The rules and their hit counts.", command: "kvkey emulator fault list -o table" },
    { title: "The seed, to reproduce a run.", command: "kvkey emulator fault list --query seed" },
  ],
  parse: (raw, { cwd }) => ({ dataDir: dataDirOf(raw, cwd) }),
  async run(o, ctx) {
    return withDataDirEmulator(ctx, o.dataDir, (emulator) => ({ dataDir: emulator.dataDir ?? null, ...emulator.faults.list() }));
  },
  tableView: faultsTable,
});

export const emulatorFaultClearCommand = defineCommand({
  path: ["emulator", "fault", "clear"],
  summary: "Remove every fault rule of an emulator's data directory: requests are answered normally again.",
  options: [DATA_DIR_OPTION],
  examples: [{ title: "Stop injecting faults.", command: "kvkey emulator fault clear" }],
  parse: (raw, { cwd }) => ({ dataDir: dataDirOf(raw, cwd) }),
  async run(o, ctx) {
    warnIfInMemory(ctx, o.dataDir ?? ctx.home);
    return withDataDirEmulator(ctx, o.dataDir, (emulator) => ({ dataDir: emulator.dataDir ?? null, ...emulator.faults.clear() }));
  },
  tableView: faultsTable,
});
