import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KeyClient, type KeyClientOptions } from "@azure/keyvault-keys";
import { createEmulator, type Emulator, type EmulatorOptions } from "../../src/emulator/index.js";
import { embeddedConnection } from "../../src/vault-client/embedded.js";

/** A fresh temporary data directory, removed by the returned cleanup. */
export function tempDataDir(prefix = "kvkey-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestVault {
  emulator: Emulator;
  client: KeyClient;
  vaultUrl: string;
  /** A KeyClient for another vault or HSM of the same emulator. */
  clientFor(vaultUrl: string, options?: KeyClientOptions): KeyClient;
  close(): void;
}

/** A real KeyClient wired to an in-process emulator (in memory unless a dataDir is given). */
export function testVault(options: Partial<EmulatorOptions> & { vaultUrl?: string } = {}): TestVault {
  const { vaultUrl = "https://test.vault.localhost", ...emulatorOptions } = options;
  const emulator = createEmulator(emulatorOptions.dataDir ? emulatorOptions : { ...emulatorOptions, inMemory: true });
  const { httpClient, credential } = embeddedConnection(emulator);
  const clientFor = (url: string, extra: KeyClientOptions = {}) =>
    new KeyClient(url, credential, { httpClient, retryOptions: { maxRetries: 0 }, ...extra });
  return { emulator, client: clientFor(vaultUrl), vaultUrl, clientFor, close: () => emulator.close() };
}
