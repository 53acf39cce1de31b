// The emulator's memory while a client pages through a whole vault, in-process (no SDK, no CLI):
// GET /keys?maxresults=25, then each nextLink, to the end. The heap is measured after a forced GC
// every 20 pages, so it shows what the emulator keeps, not the garbage it has not yet collected.
// Usage: node --expose-gc bench/lib/page-memory.mjs <dataDir> <vault>  -> one JSON line.
import { createEmulator } from "../../dist/index.js";

const [dataDir, vault] = process.argv.slice(2);
const emulator = createEmulator({ dataDir });
const token = emulator.issueToken().token;
const headers = { authorization: `Bearer ${token}` };
let url = `https://${vault}.vault.localhost/keys?api-version=2025-07-01&maxresults=25`;
let pages = 0;
let keys = 0;
const heap = [];
const sample = () => {
  globalThis.gc();
  heap.push(process.memoryUsage().heapUsed);
};
sample();
const started = performance.now();
while (url) {
  const response = await emulator.handle({ method: "GET", url, headers });
  if (response.status !== 200) throw new Error(`page ${pages}: ${response.status} ${response.body}`);
  const page = JSON.parse(response.body);
  keys += page.value.length;
  pages++;
  url = page.nextLink ?? undefined;
  if (pages % 20 === 0) sample();
}
const elapsed = performance.now() - started;
sample();
emulator.close();
console.log(
  JSON.stringify({ pages, keys, ms: elapsed, heapStart: heap[0], heapMax: Math.max(...heap), heapEnd: heap[heap.length - 1], rssMaxKiB: process.resourceUsage().maxRSS }),
);
