import { afterAll, beforeAll } from "vitest";
import { request } from "node:https";
import { startEmulator, type ServeOptions, type ServedEmulator } from "../../src/emulator/server.js";
import { tempDataDir } from "./emulator.js";

/** A served emulator on a free loopback port with its own data directory, for one test file. */
export function servedForFile(options: Partial<ServeOptions> = {}): { readonly home: string; readonly served: ServedEmulator } {
  let home: { dir: string; cleanup: () => void } | undefined;
  let served: ServedEmulator | undefined;
  beforeAll(async () => {
    home = tempDataDir();
    served = await startEmulator({ dataDir: home.dir, port: 0, ...options });
  });
  afterAll(async () => {
    await served?.close();
    home?.cleanup();
  });
  return {
    get home() {
      return home!.dir;
    },
    get served() {
      return served!;
    },
  };
}

/**
 * One request to a served emulator's vault on its own connection (no keep-alive, so consecutive calls
 * land on alternating cluster workers), trusting only the emulator's CA; any bearer token (--auth any).
 */
export function callOnce(served: ServedEmulator, vault: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: served.port,
        servername: `${vault}.vault.localhost`,
        ca: served.caPem,
        agent: false,
        method,
        path,
        headers: {
          host: `${vault}.vault.localhost:${served.port}`,
          authorization: "Bearer any",
          ...(text ? { "content-type": "application/json", "content-length": Buffer.byteLength(text) } : {}),
        },
      },
      (res) => {
        let data = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (data += d));
        res.on("end", () => resolve({ status: res.statusCode!, json: data ? JSON.parse(data) : undefined }));
      },
    );
    req.on("error", reject);
    req.end(text);
  });
}
