// Objects built by a --query multiselect hash ({a: x, b: y}). knack evaluates queries with
// dict_cls=OrderedDict, and that type shows through in two places: tsv keeps an OrderedDict's own key
// order where it sorts a plain dict's, and Python's repr() (in error messages and odd table cells)
// spells it OrderedDict([...]). The query stage registers what it builds; formatters ask here.

const orderedHashes = new WeakSet<object>();

export function markOrdered<T extends object>(obj: T): T {
  orderedHashes.add(obj);
  return obj;
}

export function isOrderedHash(value: unknown): boolean {
  return typeof value === "object" && value !== null && orderedHashes.has(value);
}
