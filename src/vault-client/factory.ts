import type { KeyClient, KeyClientOptions } from "@azure/keyvault-keys";
import type { KvkeyCredential } from "./credentials/chain.js";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import type { Emulator } from "../emulator/index.js";
import { endpointFor } from "./endpoint.js";
import { monotonicMs } from "../shared/monotonic.js";
import { nonServiceErrorPolicy } from "./non-service-error-policy.js";
import { keyDatesPolicy } from "./key-dates.js";
import { ListedItems, attachListedItems } from "./list-items.js";
import { dropFormDataPolicy } from "./sdk-internals.js";

// Builds SDK clients for any vault URL. Heavy modules load here, lazily, and only for the transport a
// command needs: the emulator (and SQLite) for *.localhost, @azure/identity only for real Azure.

export interface VaultClientsOptions {
  /** The embedded vault's data directory ($KVKEY_HOME). */
  home: string;
  env: Record<string, string | undefined>;
  /** Receives one line per HTTP exchange when --debug is on; never bodies, never tokens. */
  debug?: (line: string) => void;
}

export interface VaultClients {
  /**
   * The SDK client for a vault. `subscription` (the global --subscription) chooses az's account on the
   * Azure path; the local vaults have no subscriptions and ignore it.
   */
  keyClient(vaultUrl: string, subscription?: string): Promise<KeyClient>;
  /** Local vaults created by this process's requests (the CLI mentions them once). */
  takeCreatedVaults(): Array<{ name: string; kind: "vault" | "managedhsm" }>;
  close(): void;
}

export function createVaultClients(options: VaultClientsOptions): VaultClients {
  let emulator: Emulator | undefined;
  /** One credential per --subscription ("" for none): each plans az's account for its subscription. */
  const azureCredentials = new Map<string, KvkeyCredential>();
  const clients = new Map<string, KeyClient>();
  const agents: Array<{ destroy(): void }> = [];

  const tracePolicy = (debug: (line: string) => void): PipelinePolicy => ({
    name: "kvkeyDebugTrace",
    async sendRequest(request, next) {
      const started = monotonicMs();
      debug(`Request: ${request.method} ${request.url}`);
      for (const [name, value] of request.headers) debug(`    '${name}': '${name.toLowerCase() === "authorization" ? "*****" : value}'`);
      const response = await next(request);
      debug(`Response status: ${response.status} (${(monotonicMs() - started).toFixed(1)} ms)`);
      for (const [name, value] of response.headers) debug(`    '${name}': '${value}'`);
      return response;
    },
  });

  return {
    async keyClient(vaultUrl: string, subscription?: string): Promise<KeyClient> {
      const endpoint = endpointFor(vaultUrl);
      const clientKey = endpoint.transport === "azure" && subscription !== undefined ? `${vaultUrl}\n${subscription}` : vaultUrl;
      const cached = clients.get(clientKey);
      if (cached) return cached;
      const { KeyClient } = await import("@azure/keyvault-keys");
      const listed = new ListedItems();
      const common: KeyClientOptions = { additionalPolicies: kvkeyPolicies(listed) };
      if (options.debug) common.additionalPolicies!.push({ policy: tracePolicy(options.debug), position: "perRetry" });
      let client: KeyClient;
      if (endpoint.transport === "embedded") {
        if (!emulator) {
          const { createEmulator } = await import("../emulator/index.js");
          emulator = createEmulator({ dataDir: options.home });
        }
        const { embeddedConnection } = await import("./embedded.js");
        const { httpClient, credential } = embeddedConnection(emulator);
        // The embedded vault never throttles or fails transiently, so retries would only hide bugs.
        client = new KeyClient(endpoint.vaultUrl, credential, { ...common, httpClient, retryOptions: { maxRetries: 0 } });
      } else if (endpoint.transport === "served") {
        const served = await import("./served-client.js");
        const { agent, credential } = await served.servedConnection(options.home, options.env);
        agents.push(agent);
        const { agentHttpClient } = await import("./served.js");
        client = new KeyClient(endpoint.vaultUrl, credential, { ...common, httpClient: agentHttpClient(agent) });
      } else {
        let azureCredential = azureCredentials.get(subscription ?? "");
        if (!azureCredential) {
          const { KvkeyCredential } = await import("./credentials/chain.js");
          azureCredential = new KvkeyCredential({
            env: options.env,
            home: options.home,
            ...(options.debug ? { debug: options.debug } : {}),
            ...(subscription !== undefined ? { subscription } : {}),
          });
        }
        // An unknown --subscription ends the command here, with az's error, before any request.
        azureCredential.prepare();
        azureCredentials.set(subscription ?? "", azureCredential);
        // Just before the trace policy (nearest the wire), so the trace shows the request sent again after a
        // refused token and the other policies see only the final answer.
        const { rejectedTokenPolicy } = await import("./credentials/rejected-token-policy.js");
        const policies = common.additionalPolicies!;
        policies.splice(policies.length - (options.debug ? 1 : 0), 0, { policy: rejectedTokenPolicy(azureCredential), position: "perRetry" });
        client = new KeyClient(endpoint.vaultUrl, azureCredential, common);
      }
      dropFormDataPolicy(client);
      attachListedItems(client, listed);
      clients.set(clientKey, client);
      return client;
    },
    takeCreatedVaults() {
      return emulator ? emulator.takeCreatedVaults().map((v) => ({ name: v.name, kind: v.kind })) : [];
    },
    close() {
      for (const agent of agents.splice(0)) agent.destroy();
      emulator?.close();
      emulator = undefined;
    },
  };
}

/**
 * The policies every client gets, whatever the transport: az's reading of errors that are not Key
 * Vault's, dates beyond 2038 sent as they are (key-dates.ts), and list items as the service sent them
 * (list-items.ts).
 */
export function kvkeyPolicies(listed: ListedItems): NonNullable<KeyClientOptions["additionalPolicies"]> {
  return [
    { policy: keyDatesPolicy, position: "perCall" },
    { policy: nonServiceErrorPolicy, position: "perRetry" },
    { policy: listed.policy, position: "perRetry" },
  ];
}
