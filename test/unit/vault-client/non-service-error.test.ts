import { describe, expect, test } from "vitest";
import { KeyClient } from "@azure/keyvault-keys";
import { createHttpHeaders, type HttpClient, type PipelineRequest } from "@azure/core-rest-pipeline";
import { nonServiceErrorPolicy } from "../../../src/vault-client/non-service-error-policy.js";
import { normalizeError } from "../../../src/cli/error-report.js";

// Something between kvkey and the vault (a proxy refusing CONNECT, a firewall, a gateway's HTML page)
// answers with an error that is not Key Vault's JSON. The SDK's own error deserializer then fails with a
// TypeError; with kvkey's policy the caller gets a RestError named after the status, as az says it.

const credential = { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3_600_000 }) };

function answering(status: number, body: string, contentType = "text/html"): HttpClient {
  return {
    async sendRequest(request: PipelineRequest) {
      return { request, status, headers: createHttpHeaders({ "content-type": contentType }), bodyAsText: body };
    },
  };
}

function client(http: HttpClient, withPolicy: boolean): KeyClient {
  return new KeyClient("https://prod.vault.azure.net", credential, {
    httpClient: http,
    retryOptions: { maxRetries: 0 },
    ...(withPolicy ? { additionalPolicies: [{ policy: nonServiceErrorPolicy, position: "perRetry" as const }] } : {}),
  });
}

describe("an error answer that is not Key Vault's", () => {
  test("without the policy an empty error answer makes the SDK fail with a TypeError (why the policy exists)", async () => {
    await expect(client(answering(403, ""), false).getKey("k")).rejects.toThrow(TypeError);
  });

  test("an HTML 403 becomes RestError 403 'Operation returned an invalid status code 'Forbidden'', one line in the CLI", async () => {
    const err = await client(answering(403, "<html>Forbidden by proxy</html>"), true).getKey("k").catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "RestError", statusCode: 403, message: "Operation returned an invalid status code 'Forbidden'" });
    const cli = normalizeError(err);
    expect(cli.message).toBe("Operation returned an invalid status code 'Forbidden'");
    expect(cli.exitCode).toBe(1);
  });

  test("an empty 502 from a gateway too", async () => {
    await expect(client(answering(502, ""), true).getKey("k")).rejects.toMatchObject({ statusCode: 502, message: "Operation returned an invalid status code 'Bad Gateway'" });
  });

  test("Key Vault's own JSON errors pass through untouched, code and message", async () => {
    const body = JSON.stringify({ error: { code: "KeyNotFound", message: "A key with (name/id) k was not found in this key vault." } });
    await expect(client(answering(404, body, "application/json"), true).getKey("k")).rejects.toMatchObject({
      statusCode: 404,
      code: "KeyNotFound",
      message: "A key with (name/id) k was not found in this key vault.",
    });
  });
});
