import { afterAll, beforeAll } from "vitest";
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
