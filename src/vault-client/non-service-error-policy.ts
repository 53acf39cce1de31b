import type { PipelinePolicy } from "@azure/core-rest-pipeline";

/**
 * An error answer whose body is not Key Vault's JSON error — a proxy's or firewall's 403, a gateway's HTML
 * page — makes the SDK's error deserializer fail with a TypeError ("reading 'error'"). Such answers become
 * a RestError named after the status, as az reports them. 401 is left to the SDK: it is the challenge.
 */
export const nonServiceErrorPolicy: PipelinePolicy = {
  name: "kvkeyNonServiceError",
  async sendRequest(request, next) {
    const response = await next(request);
    if (response.status < 400 || response.status === 401 || hasServiceError(response.bodyAsText)) return response;
    const [{ RestError }, { STATUS_CODES }] = await Promise.all([import("@azure/core-rest-pipeline"), import("node:http")]);
    throw new RestError(`Operation returned an invalid status code '${STATUS_CODES[response.status] ?? response.status}'`, {
      statusCode: response.status,
      request,
      response,
    });
  },
};

function hasServiceError(body: string | null | undefined): boolean {
  if (!body) return false;
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    return typeof parsed?.error === "object" && parsed.error !== null;
  } catch {
    return false;
  }
}
