// Sequential small GETs against the served emulator for a while, one at a time on one keep-alive
// connection; prints one JSON line { n, p50, p99, max, errors, statuses } (latencies in ms).
// Usage: node bench/lib/get-probe.mjs '<json: {url, host, ca, duration}>'
import { Agent, request } from "node:https";

const o = JSON.parse(process.argv[2]);
const url = new URL(o.url);
const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: o.ca, servername: o.host.split(":")[0] });
const latencies = [];
const statuses = {};
let errors = 0;

function get() {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = request(
      { agent, host: url.hostname, port: url.port, path: url.pathname + url.search, headers: { host: o.host, authorization: "Bearer bench" } },
      (res) => {
        res.resume();
        res.on("end", () => {
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
          latencies.push(performance.now() - t0);
          resolve();
        });
      },
    );
    req.on("error", () => {
      errors++;
      resolve();
    });
    req.end();
  });
}

const deadline = performance.now() + o.duration;
while (performance.now() < deadline) {
  await get();
  // A small pause so the probe measures latency, not its own throughput.
  await new Promise((r) => setTimeout(r, 2));
}
agent.destroy();
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
console.log(JSON.stringify({ n: latencies.length, p50: at(0.5), p99: at(0.99), max: latencies[latencies.length - 1] ?? NaN, errors, statuses }));
