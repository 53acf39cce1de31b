import type { PipelinePolicy } from "@azure/core-rest-pipeline";

// @azure/keyvault-keys 4.10 writes a key's nbf and exp with `(date.getTime() / 1000) | 0`: a 32-bit
// integer, so every date after 2038-01-19T03:14:07Z goes out as a negative (wrapped) number of seconds.
// A real vault would store that nonsense; the emulator refuses it. The service itself takes any date
// up to the year 9999.
//
// The work-around travels with each request: a command passes its dates through withKeyDates, which
// puts their exact Unix seconds in a request header the SDK copies onto the request; keyDatesPolicy
// (in every client's pipeline, embedded, served and Azure alike) writes them over the SDK's numbers in
// the JSON body and removes the header before anything is sent. If a later SDK serializes dates
// correctly, the policy writes the same numbers again.

const HEADER = "x-kvkey-key-dates";

interface KeyDates {
  notBefore?: Date | undefined;
  expiresOn?: Date | undefined;
}

/** `options` for create/import/updateKeyProperties, carrying the exact seconds of the dates given. */
export function withKeyDates<T extends object>(options: T, dates: KeyDates): T {
  const seconds: { nbf?: number; exp?: number } = {};
  if (dates.notBefore) seconds.nbf = unixSeconds(dates.notBefore);
  if (dates.expiresOn) seconds.exp = unixSeconds(dates.expiresOn);
  if (seconds.nbf === undefined && seconds.exp === undefined) return options;
  // The generated client copies requestOptions.headers onto the request (its typings still name the
  // older customHeaders, hence the cast).
  const current = options as T & { requestOptions?: { headers?: Record<string, string> } };
  return {
    ...current,
    requestOptions: { ...current.requestOptions, headers: { ...current.requestOptions?.headers, [HEADER]: JSON.stringify(seconds) } },
  };
}

export const keyDatesPolicy: PipelinePolicy = {
  name: "kvkeyKeyDates",
  sendRequest(request, next) {
    const carried = request.headers.get(HEADER);
    if (carried !== undefined) {
      request.headers.delete(HEADER);
      if (typeof request.body === "string") request.body = withSeconds(request.body, JSON.parse(carried) as { nbf?: number; exp?: number });
    }
    return next(request);
  },
};

function withSeconds(body: string, seconds: { nbf?: number; exp?: number }): string {
  const parsed = JSON.parse(body) as { attributes?: Record<string, unknown> };
  if (typeof parsed.attributes !== "object" || parsed.attributes === null) return body;
  if (seconds.nbf !== undefined) parsed.attributes.nbf = seconds.nbf;
  if (seconds.exp !== undefined) parsed.attributes.exp = seconds.exp;
  return JSON.stringify(parsed);
}

function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
