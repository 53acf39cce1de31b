// A Node load generator, used when wrk is not installed: `connections` keep-alive HTTPS connections,
// each sending the same request back to back for `duration` ms. Prints one JSON line:
// { requests, rps, statuses: {code: count}, errors, latency: { p50, p99 } } (latencies in ms).
// Usage: node bench/lib/load.mjs '<json: {url, host, ca, method, body, connections, duration}>'
import { Agent, request } from "node:https";

const o = JSON.parse(process.argv[2]);
const url = new URL(o.url);
const agent = new Agent({ keepAlive: true, maxSockets: o.connections, ca: o.ca, servername: o.host.split(":")[0] });
const statuses = {};
const latencies = [];
let errors = 0;
let requests = 0;
const deadline = performance.now() + o.duration;

function once() {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: o.method ?? "POST",
        headers: { host: o.host, "content-type": "application/json", authorization: "Bearer bench", ...(o.body ? { "content-length": Buffer.byteLength(o.body) } : {}) },
      },
      (res) => {
        res.resume();
        res.on("end", () => {
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
          latencies.push(performance.now() - t0);
          requests++;
          resolve();
        });
      },
    );
    req.on("error", () => {
      errors++;
      resolve();
    });
    req.end(o.body);
  });
}

async function loop() {
  while (performance.now() < deadline) await once();
}

const started = performance.now();
await Promise.all(Array.from({ length: o.connections }, loop));
const elapsed = performance.now() - started;
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
agent.destroy();
console.log(JSON.stringify({ requests, rps: (requests * 1000) / elapsed, statuses, errors, latency: { p50: at(0.5), p99: at(0.99) } }));
