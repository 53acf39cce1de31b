import type { Counter } from "../io/progress.js";

// How the list commands (list, list-deleted, list-versions) read the SDK's pages.

/** The service pages at most 25 items; a larger --maxresults is met by following more pages. */
export const SERVICE_PAGE_LIMIT = 25;

/**
 * Collects pages until `max` items (or the end), asking the service for no more than needed.
 * `progress` hears the running count after each page (the TTY counter, ctx.counter).
 */
export async function collect<T>(
  pages: (pageSize: number) => AsyncIterableIterator<T[]>,
  max: number | undefined,
  keep: (item: T) => boolean = () => true,
  progress?: Counter,
): Promise<T[]> {
  const out: T[] = [];
  const pageSize = Math.min(max ?? SERVICE_PAGE_LIMIT, SERVICE_PAGE_LIMIT);
  try {
    for await (const page of pages(pageSize)) {
      for (const item of page) {
        if (!keep(item)) continue;
        out.push(item);
        if (max !== undefined && out.length >= max) return out;
      }
      progress?.update(out.length);
    }
    return out;
  } finally {
    progress?.done();
  }
}
