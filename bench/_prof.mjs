import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmulator } from "../dist/index.js";
const dir = mkdtempSync(join(tmpdir(), "kvp-"));
const emu = createEmulator({ dataDir: dir, authMode: "any" });
const V = "https://bench.vault.localhost";
const h = (method, path, body) => emu.handle({ method, url: V + path, headers: { authorization: "Bearer x", "content-type": "application/json" }, body: body && JSON.stringify(body) });
await h("POST", "/keys/rsa/create?api-version=2025-07-01", { kty: "RSA", key_size: 2048 });
await h("POST", "/keys/ec/create?api-version=2025-07-01", { kty: "EC", crv: "P-256" });
const digest = Buffer.alloc(32, 7).toString("base64url");
for (const [name, alg] of (process.env.ONLY === "ec" ? [["ec", "ES256"]] : process.env.ONLY === "rsa" ? [["rsa", "RS256"]] : [["rsa", "RS256"], ["ec", "ES256"]])) {
  const N = 5000;
  for (let i = 0; i < 200; i++) await h("POST", `/keys/${name}//sign?api-version=2025-07-01`, { alg, value: digest });
  const t0 = performance.now(); const c0 = process.cpuUsage();
  for (let i = 0; i < N; i++) { const r = await h("POST", `/keys/${name}//sign?api-version=2025-07-01`, { alg, value: digest }); if (r.status !== 200) throw new Error(r.body); }
  const c = process.cpuUsage(c0); console.log(alg, ((performance.now() - t0) / N * 1000).toFixed(0), "µs per handle(), cpu", ((c.user + c.system) / N).toFixed(0));
}
emu.close();
