import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HttpClient } from "@azure/core-rest-pipeline";
import { KeyClient, type KeyClientOptions } from "@azure/keyvault-keys";
import { createEmulator, type Emulator, type EmulatorOptions, type WireResponse } from "../../src/emulator/index.js";
import { embeddedConnection } from "../../src/vault-client/embedded.js";

/** A fresh temporary data directory, removed by the returned cleanup. */
export function tempDataDir(prefix = "kvkey-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** One request the SDK sent and what the emulator answered, as seen by the HttpClient. */
export interface Exchange {
  method: string;
  url: string;
  status: number;
  body: string;
}

export interface TestVault {
  emulator: Emulator;
  /** Every exchange any client of this TestVault made, in order (tests may clear it). */
  exchanges: Exchange[];
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
  const { httpClient: inner, credential } = embeddedConnection(emulator);
  const exchanges: Exchange[] = [];
  const httpClient: HttpClient = {
    async sendRequest(request) {
      const response = await inner.sendRequest(request);
      exchanges.push({ method: request.method, url: request.url, status: response.status, body: response.bodyAsText ?? "" });
      return response;
    },
  };
  const clientFor = (url: string, extra: KeyClientOptions = {}) =>
    new KeyClient(url, credential, { httpClient, retryOptions: { maxRetries: 0 }, ...extra });
  return { emulator, exchanges, client: clientFor(vaultUrl), vaultUrl, clientFor, close: () => emulator.close() };
}

export interface RawResponse extends WireResponse {
  /** The body parsed as JSON; undefined for an empty body. Throws with the raw text when it is not JSON. */
  json: any;
}

export interface RawRequest {
  method: string;
  /** Absolute URL, e.g. `https://demo.vault.localhost/keys/k/create?api-version=2025-07-01`. */
  url: string;
  /** A JSON value (serialised) or a string sent verbatim. */
  body?: unknown;
  headers?: Record<string, string>;
  /** A bearer token; default: a fresh valid one; false: no Authorization header. */
  token?: string | false;
}

/** One request straight into the handler, the way the SDK's HttpClient or the HTTPS server would pass it. */
export async function raw(emulator: Emulator, request: RawRequest): Promise<RawResponse> {
  const headers: Record<string, string> = { "content-type": "application/json", ...request.headers };
  const token = request.token === undefined ? tokenFor(emulator, request.url) : request.token;
  if (token !== false) headers.authorization = `Bearer ${token}`;
  const body = request.body === undefined ? undefined : typeof request.body === "string" ? request.body : JSON.stringify(request.body);
  const response = await emulator.handle({ method: request.method, url: request.url, headers, ...(body !== undefined ? { body } : {}) });
  let json: unknown;
  if (response.body !== "") {
    try {
      json = JSON.parse(response.body);
    } catch {
      throw new Error(`response body is not JSON (status ${response.status}): ${response.body}`);
    }
  }
  return { ...response, json };
}

export const API = "api-version=2025-07-01";

/**
 * A valid token for the container a URL addresses: its audience is the resource the challenge names
 * (`https://vault.localhost[:port]` or `https://managedhsm.localhost[:port]`), as Entra would issue it.
 */
export function tokenFor(emulator: Emulator, url: string): string {
  const host = new URL(url).host;
  const labels = host.split(".");
  const container = labels.length >= 3 && (labels[1] === "vault" || labels[1] === "managedhsm");
  return emulator.issueToken("test", `https://${container ? labels.slice(1).join(".") : host}`).token;
}

/** What a promise rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}
