import { Agent } from "node:https";
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import { createDefaultHttpClient, type HttpClient } from "@azure/core-rest-pipeline";
import { isLocalVaultHost } from "./local-host.js";

// Reaching a served emulator over real HTTPS: names under *.localhost resolve to loopback here (no
// /etc/hosts edits), and the emulator's CA is trusted explicitly for these requests only. TLS
// verification stays on.

/** Resolves `*.localhost` to 127.0.0.1 itself; everything else goes to the system resolver. */
export const localhostLookup: LookupFunction = (hostname, options, callback) => {
  if (!isLocalVaultHost(hostname)) {
    (dnsLookup as unknown as (h: string, o: unknown, cb: unknown) => void)(hostname, options, callback);
    return;
  }
  const address: LookupAddress = { address: "127.0.0.1", family: 4 };
  if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, [address]);
  else callback(null, address.address, address.family);
};

export function servedAgent(caPem: string): Agent {
  return new Agent({ keepAlive: true, ca: caPem, lookup: localhostLookup });
}

/**
 * An SDK HttpClient that sends every request through the given agent. An HttpClient rather than a
 * pipeline policy, because some clients (@azure/identity's managed identity) replace the caller's
 * policies but keep its HttpClient.
 */
export function agentHttpClient(agent: Agent): HttpClient {
  const inner = createDefaultHttpClient();
  return {
    sendRequest(request) {
      request.agent = agent;
      return inner.sendRequest(request);
    },
  };
}
