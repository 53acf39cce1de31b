import type { PipelinePolicy, PipelineRequest } from "@azure/core-rest-pipeline";

/**
 * The error body Key Vault sent for a request, kept for the CLI's error report: the SDK's RestError
 * carries the parsed code and message only (and for a failed page of a list, not even those), while az
 * prints the whole OData error (`Code:`, `Message:`, `Inner error:`). The SDK's error names the same
 * request object the pipeline saw, so a WeakMap on it forgets the body with the request.
 */
const errorBodies = new WeakMap<PipelineRequest, string>();

export function serviceErrorBody(request: unknown): string | undefined {
  return typeof request === "object" && request !== null ? errorBodies.get(request as PipelineRequest) : undefined;
}

/**
 * An error answer whose body is not Key Vault's JSON error — a proxy's or firewall's 403, a gateway's HTML
 * page — makes the SDK's error deserializer fail with a TypeError ("reading 'error'"). Such answers become
 * a RestError named after the status, as az reports them. 401 is left to the SDK: it is the challenge.
 */
export const nonServiceErrorPolicy: PipelinePolicy = {
  name: "kvkeyNonServiceError",
  async sendRequest(request, next) {
    const response = await next(request);
    if (response.status < 400) return response;
    if (hasServiceError(response.bodyAsText)) {
      errorBodies.set(request, response.bodyAsText!);
      return response;
    }
    if (response.status === 401) return response;
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
