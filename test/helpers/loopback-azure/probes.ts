import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// Preloads (node -r) that watch a kvkey process from the inside, for tests that must not time anything:
// - timersAfterOutput: the timers whose callbacks ran after the process's last write to stdout or
//   stderr — each one kept the process alive after its output was complete (a leaked request timeout,
//   a forgotten interval). Ordering of events, not durations.
// - modulesLoaded: the Node built-in modules loaded after start-up (undici, http, tls...).

const TIMERS = `const fs = require("node:fs");
let writes = 0;
const fired = [];
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream);
  stream.write = (...args) => ((writes += 1), write(...args));
}
for (const name of ["setTimeout", "setInterval"]) {
  const original = globalThis[name];
  globalThis[name] = function (callback, delay, ...rest) {
    const where = new Error().stack.split("\\n").slice(2, 5).map((l) => l.trim()).join(" < ");
    const wrapped = function (...a) {
      fired.push({ name, delay, where, writesBefore: writes });
      return callback.apply(this, a);
    };
    return original.call(this, wrapped, delay, ...rest);
  };
}
process.on("exit", () => fs.writeFileSync(process.env.KVKEY_TEST_TIMERS, JSON.stringify(fired.filter((t) => t.writesBefore === writes))));
`;

const MODULES = `const before = new Set(process.moduleLoadList);
process.on("exit", () => require("node:fs").writeFileSync(process.env.KVKEY_TEST_MODULES, process.moduleLoadList.filter((m) => !before.has(m)).join("\\n")));
`;

export interface Probes {
  /** node arguments that install both probes. */
  nodeArgs: string[];
  /** Environment the probes write their findings to. */
  env: Record<string, string>;
  timersAfterOutput(): Array<{ name: string; delay: number; where: string }>;
  modulesLoaded(): string[];
}

export function installProbes(dir: string, tag: string): Probes {
  const timers = join(dir, `probe-timers-${tag}.cjs`);
  const modules = join(dir, `probe-modules-${tag}.cjs`);
  writeFileSync(timers, TIMERS);
  writeFileSync(modules, MODULES);
  const timersOut = join(dir, `timers-${tag}.json`);
  const modulesOut = join(dir, `modules-${tag}.txt`);
  return {
    nodeArgs: ["-r", modules, "-r", timers],
    env: { KVKEY_TEST_TIMERS: timersOut, KVKEY_TEST_MODULES: modulesOut },
    timersAfterOutput: () => JSON.parse(readFileSync(timersOut, "utf8")),
    modulesLoaded: () => readFileSync(modulesOut, "utf8").split("\n").filter(Boolean),
  };
}
