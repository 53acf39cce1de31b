import type { PipelinePolicy } from "@azure/core-rest-pipeline";

// Watches the vault's answers for a 401 to a request that carried a bearer token: that token is dead
// (revoked, signed by a rolled-over key, for another tenant...) and must not be used again, by this run or
// a later one. The SDK's authentication policy answers one challenge per request and gives up on a
// second 401, so the request is sent once more here, with a token the credential gets anew — a 401 means
// the vault did nothing, and Key Vault bodies are strings, so resending is safe. Placed after the
// authentication policy (position "perRetry"), it sees the Authorization header actually sent.

export interface TokenReplacer {
  /** Drops the token; a new token for the same scope and tenant, or undefined when there is none. */
  replaceRejected(token: string): Promise<string | undefined>;
}

export function rejectedTokenPolicy(credential: TokenReplacer): PipelinePolicy {
  return {
    name: "kvkeyRejectedToken",
    async sendRequest(request, next) {
      const response = await next(request);
      if (response.status !== 401) return response;
      const sent = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "")?.[1];
      if (!sent) return response;
      const fresh = await credential.replaceRejected(sent);
      if (!fresh || fresh === sent) return response;
      request.headers.set("authorization", `Bearer ${fresh}`);
      return next(request);
    },
  };
}
