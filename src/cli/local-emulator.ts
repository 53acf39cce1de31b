import { ensureHome } from "./config.js";
import type { CommandContext } from "./context.js";
import type { Emulator } from "../emulator/index.js";

// The emulator of a data directory, opened in this process by the commands that manage it rather than
// go through the SDK (`kvkey emulator time-shift|vault|logs|events|attestation-token`, `assess
// --data-dir`). The emulator loads only when such a command runs.

/** Runs work against the emulator of a data directory (created if needed), then closes it. */
export async function withDataDirEmulator<T>(ctx: CommandContext, dataDir: string | undefined, work: (emulator: Emulator) => Promise<T> | T): Promise<T> {
  const emulator = await openDataDirEmulator(ctx, dataDir);
  try {
    return await work(emulator);
  } finally {
    emulator.close();
  }
}

/** The emulator of a data directory, opened for a caller that closes it (a stream that outlives one call). */
export async function openDataDirEmulator(ctx: CommandContext, dataDir: string | undefined): Promise<Emulator> {
  const dir = dataDir ?? ctx.home;
  ensureHome(dir);
  const { createEmulator } = await import("../emulator/index.js");
  return createEmulator({ dataDir: dir });
}
