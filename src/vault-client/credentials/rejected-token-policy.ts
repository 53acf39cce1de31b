import type { PipelinePolicy } from "@azure/core-rest-pipeline";

// Watches the vault's answers for a 401 to a request that carried a bearer token: that token is dead
// (revoked, signed by a rolled-over key, for another tenant...) and must not be used again, by this run or
// a later one. Placed after the SDK's authentication policy (position "perRetry"), so it sees the
// Authorization header that was actually sent; the authentication policy then handles the challenge
// and asks the credential again, which no longer has the token.

export function rejectedTokenPolicy(reject: (token: string) => void): PipelinePolicy {
  return {
    name: "kvkeyRejectedToken",
    async sendRequest(request, next) {
      const response = await next(request);
      if (response.status === 401) {
        const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "");
        if (match) reject(match[1]!);
      }
      return response;
    },
  };
}
