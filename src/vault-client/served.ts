import { Agent } from "node:https";
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
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

/** Sends every request of a client through the given agent. */
export function agentPolicy(agent: Agent): PipelinePolicy {
  return {
    name: "kvkeyServedEmulatorAgent",
    sendRequest(request, next) {
      request.agent = agent;
      return next(request);
    },
  };
}
