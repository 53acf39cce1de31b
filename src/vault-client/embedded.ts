import type { TokenCredential, AccessToken } from "@azure/core-auth";
import { createHttpHeaders, RestError, type HttpClient, type PipelineRequest, type PipelineResponse } from "@azure/core-rest-pipeline";
import type { Emulator } from "../emulator/index.js";
import { isLocalVaultHost } from "./local-host.js";

/** An SDK HttpClient and the credential that goes with it, for the in-process emulated vault. */
export interface EmbeddedConnection {
  httpClient: HttpClient;
  credential: TokenCredential;
}


/**
 * Hands each SDK request to the emulator's handler in-process: no socket, no TLS. The HttpClient and the
 * credential are made together and only here, and the client refuses any host outside `*.localhost`,
 * so an emulator token can never be sent to Azure and an Azure request can never be answered locally.
 */
export function embeddedConnection(emulator: Emulator): EmbeddedConnection {
  const httpClient: HttpClient = {
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      const url = new URL(request.url);
      if (!isLocalVaultHost(url.hostname)) {
        throw new Error(`the embedded vault only serves *.localhost hosts, not ${url.hostname}`);
      }
      if (request.abortSignal?.aborted) throw new Error("The operation was aborted.");
      const body = request.body;
      if (body !== undefined && body !== null && typeof body !== "string") {
        throw new Error("the embedded vault accepts JSON string bodies only");
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of request.headers) headers[name.toLowerCase()] = value;
      const response = await emulator.handle({
        method: request.method,
        url: request.url,
        headers,
        ...(typeof body === "string" ? { body } : {}),
      });
      // An injected fault that closes the connection: what Node's HTTP client reports for a socket the
      // server closed without answering, so the SDK's retry policy treats it as it would on a network.
      if (response.drop) throw new RestError("socket hang up", { code: "ECONNRESET", request });
      return {
        request,
        status: response.status,
        headers: createHttpHeaders(response.headers),
        bodyAsText: response.body,
      };
    },
  };
  const credential: TokenCredential = {
    // The token's audience is the resource the challenge named, as Entra would issue it.
    async getToken(scopes: string | string[]): Promise<AccessToken> {
      return emulator.issueToken("local", audienceOf(scopes));
    },
  };
  return { httpClient, credential };
}

/** `https://vault.localhost/.default` -> `https://vault.localhost`. */
export function audienceOf(scopes: string | string[]): string | undefined {
  const scope = Array.isArray(scopes) ? scopes[0] : scopes;
  return scope?.replace(/\/\.default$/, "");
}
