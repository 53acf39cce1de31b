import type { PipelinePolicy } from "@azure/core-rest-pipeline";

// @azure/keyvault-keys maps a listed item's attributes to KeyProperties member by member and leaves
// `exportable` out (getKeyPropertiesFromKeyItem), although the service sends it: az's list shows
// `"exportable": false`, kvkey would show null. A policy in each client's pipeline keeps the attributes
// of every item a list page returned, by kid, so the views read what the service actually sent.

type Attributes = Record<string, unknown>;

/** The attributes of the items a client's list pages returned, by kid. */
export class ListedItems {
  private readonly byKid = new Map<string, Attributes>();

  readonly policy: PipelinePolicy = {
    name: "kvkeyListedItems",
    sendRequest: async (request, next) => {
      const response = await next(request);
      if (request.method === "GET" && response.status === 200 && response.bodyAsText?.includes('"value"')) this.remember(response.bodyAsText);
      return response;
    },
  };

  attributesOf(kid: string | undefined): Attributes | undefined {
    return kid === undefined ? undefined : this.byKid.get(kid);
  }

  private remember(body: string): void {
    let page: unknown;
    try {
      page = JSON.parse(body);
    } catch {
      return;
    }
    const items = (page as { value?: unknown })?.value;
    if (!Array.isArray(items)) return;
    for (const item of items as Array<{ kid?: unknown; attributes?: unknown }>) {
      if (typeof item?.kid === "string" && typeof item.attributes === "object" && item.attributes !== null) this.byKid.set(item.kid, item.attributes as Attributes);
    }
  }
}

const listedByClient = new WeakMap<object, ListedItems>();

export function attachListedItems(client: object, listed: ListedItems): void {
  listedByClient.set(client, listed);
}

/** What the service sent as `attributes.exportable` for a listed item, if it sent it. */
export function listedExportable(client: object, kid: string | undefined): boolean | undefined {
  const value = listedByClient.get(client)?.attributesOf(kid)?.exportable;
  return typeof value === "boolean" ? value : undefined;
}

/** A listed item's properties with what the SDK dropped filled in from the service's answer. */
export function withListedAttributes<P extends { id?: string; exportable?: boolean }>(client: object, properties: P): P {
  if (properties.exportable !== undefined) return properties;
  const exportable = listedExportable(client, properties.id);
  return exportable === undefined ? properties : { ...properties, exportable };
}
