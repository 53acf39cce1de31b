// Preloaded with `node --import` into a CLI run. At exit it writes JSON to the file named by
// KVKEY_BENCH_RSS_FILE: the peak resident set size (KiB, getrusage) and, when the process runs with
// --expose-gc, the heap after a full GC at the moment the CLI writes its (large) output — what the CLI
// still holds once it has every page: the result, or more.
import { writeFileSync } from "node:fs";

const file = process.env.KVKEY_BENCH_RSS_FILE;
const result = {};
if (file && typeof globalThis.gc === "function") {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk, ...rest) => {
    if (result.heapAtOutput === undefined && chunk.length > 64 * 1024) {
      globalThis.gc();
      result.heapAtOutput = process.memoryUsage().heapUsed;
      result.outputChunk = Buffer.byteLength(chunk);
    }
    return write(chunk, ...rest);
  };
}
if (file) process.on("exit", () => writeFileSync(file, JSON.stringify({ ...result, maxRssKiB: process.resourceUsage().maxRSS })));
