import { describe, expect, it } from "vitest";
import { compileQuery, renderOutput } from "../../../src/output/index.js";
import { keyResult, listResult } from "./fixtures.js";

const tsv = (result: unknown, query?: string) =>
  renderOutput(result, { format: "tsv", color: false, ...(query ? { query: compileQuery(query) } : {}) });

describe("-o tsv (knack's _TsvOutput)", () => {
  it("prints a key object as its top-level values in key order: dicts empty, null as None", () => {
    // attributes, key, managed, releasePolicy, tags
    expect(tsv(keyResult())).toBe("\t\tNone\tNone\tNone\n");
  });

  it("prints az's documented line for a key that has tags (tags is a dict, so an empty field)", () => {
    expect(tsv(keyResult({ env: "dev" }))).toBe("\t\tNone\tNone\t\n");
  });

  it("prints one line per list item, fields in sorted-key order", () => {
    // attributes, kid, managed, name, tags
    expect(tsv(listResult())).toBe(
      "\thttps://demo.vault.azure.net/keys/beta\tNone\tbeta\t\n" + "\thttps://demo.vault.azure.net/keys/alpha\tNone\talpha\tNone\n",
    );
  });

  it("prints a nested list as its length and booleans inside a row as Python's True/False", () => {
    expect(tsv({ ops: ["sign", "verify", "wrapKey"], enabled: true, off: false })).toBe("True\tFalse\t3\n");
  });

  it("prints a bare string raw (no quotes) and a bare boolean in lower case", () => {
    expect(tsv(listResult(), "[0].name")).toBe("beta\n");
    expect(tsv(listResult(), "[0].attributes.enabled")).toBe("true\n");
    expect(tsv(listResult(), "[].attributes.enabled")).toBe("true\nfalse\n");
  });

  it("prints numbers as Python's str(): integers plain, floats with their repr", () => {
    expect(tsv([7, 1.5, 0.00001])).toBe("7\n1.5\n1e-05\n");
  });

  it("keeps the order a multiselect hash asked for (an OrderedDict in knack)", () => {
    expect(tsv(listResult(), "[].{name:name, enabled:attributes.enabled}")).toBe("beta\tTrue\nalpha\tFalse\n");
  });

  it("sorts a plain object picked out by a query (a dict in knack)", () => {
    // attributes are {enabled, created}: printed as created, enabled.
    expect(tsv(listResult(), "[].attributes")).toBe("2024-05-02T00:00:00+00:00\tTrue\n2024-05-01T00:00:00+00:00\tFalse\n");
  });

  it("sorts the result of merge(), which jmespath.py builds as a plain dict", () => {
    expect(tsv({ a: 1 }, "merge(`{\"z\": 1}`, `{\"b\": 2}`)")).toBe("2\t1\n");
  });

  it("prints a list row's items tab-separated, and a list result item by item", () => {
    expect(tsv([["a", null, true], []])).toBe("a\tNone\tTrue\n\n");
  });

  it("prints nothing for an empty list", () => {
    expect(tsv([])).toBe("");
  });

  it("escapes tabs, line breaks and other control characters inside a value, so a row stays one line of fixed columns (issue 18)", () => {
    const out = tsv([{ a: "x\ty", b: "one\ntwo\r", c: "\u001b[31mred\u0007" }, { a: "1", b: "2", c: "3" }]);
    expect(out).toBe("x\\ty\tone\\ntwo\\r\t\\x1b[31mred\\x07\n1\t2\t3\n");
  });

  it("keeps the line breaks of an answer that is one string (a PEM), escaping its other control characters", () => {
    expect(tsv("-----BEGIN X-----\nAAAA\n-----END X-----")).toBe("-----BEGIN X-----\nAAAA\n-----END X-----\n");
    expect(tsv("a\u001b[2Jb\rc")).toBe("a\\x1b[2Jb\\rc\n");
  });
});
