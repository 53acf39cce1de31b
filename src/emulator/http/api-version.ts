import { VaultErrors } from "../domain/errors.js";

export const LATEST_API_VERSION = "2025-07-01";

// Every keys data-plane version the service has published, previews included. The service accepts
// any of them for the keys API; so does the emulator (the response shape is the latest one's).
const KNOWN_VERSIONS = new Set([
  "2015-06-01",
  "2016-10-01",
  "7.0",
  "7.0-preview",
  "7.1",
  "7.1-preview",
  "7.2",
  "7.2-preview",
  "7.3",
  "7.3-preview",
  "7.4",
  "7.4-preview.1",
  "7.5",
  "7.5-preview.1",
  "7.6",
  "7.6-preview.1",
  "7.6-preview.2",
  "2025-06-01-preview",
  "2025-07-01",
]);

// The SDK sends the key as `api%2Dversion` (an RFC 6570 template quirk); URLSearchParams decodes
// names as well as values, so both spellings arrive as `api-version`.

/** Returns the request's api-version, or throws the service's BadParameter error. */
export function checkApiVersion(query: URLSearchParams): string {
  const version = query.get("api-version");
  if (version === null || version === "") {
    throw VaultErrors.badParameter(
      `The api-version query parameter is required for all requests. Consider using the latest supported version (${LATEST_API_VERSION}).`,
    );
  }
  if (!KNOWN_VERSIONS.has(version)) {
    throw VaultErrors.badParameter(
      `The specified version (${version}) is not recognized. Consider using the latest supported version (${LATEST_API_VERSION}).`,
    );
  }
  return version;
}
