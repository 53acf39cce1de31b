import { describe, expect, it } from "vitest";
import { renderOutput } from "../../../src/output/index.js";
import { keyResult, listResult } from "./fixtures.js";

const json = (result: unknown) => renderOutput(result, { format: "json", color: false });

describe("-o json (knack: json.dumps(indent=2, sort_keys=True, ensure_ascii=False))", () => {
  it("prints a key object with keys sorted at every level, nulls kept, one trailing newline", () => {
    const text = json(keyResult());
    expect(text.startsWith('{\n  "attributes": {\n    "created": "2024-05-01T10:00:00+00:00",\n    "enabled": true,\n    "expires": null,')).toBe(true);
    expect(text).toContain('    "keyOps": [\n      "encrypt",\n      "decrypt"\n    ],\n    "kid": ');
    expect(text.endsWith('  "managed": null,\n  "releasePolicy": null,\n  "tags": null\n}\n')).toBe(true);
  });

  it("sorts keys inside list items too", () => {
    expect(json([{ b: 1, a: { d: 2, c: 3 } }])).toBe('[\n  {\n    "a": {\n      "c": 3,\n      "d": 2\n    },\n    "b": 1\n  }\n]\n');
  });

  it("writes empty containers as {} and [] and leaves no trailing spaces", () => {
    const text = json({ tags: {}, keyOps: [], nested: { inner: {} } });
    expect(text).toBe('{\n  "keyOps": [],\n  "nested": {\n    "inner": {}\n  },\n  "tags": {}\n}\n');
    expect(text.split("\n").some((line) => line.endsWith(" "))).toBe(false);
  });

  it("keeps non-ASCII text and escapes control characters like Python", () => {
    expect(json({ name: "clé-日本", note: 'tab\there "q" \u0001' })).toBe(
      '{\n  "name": "clé-日本",\n  "note": "tab\\there \\"q\\" \\u0001"\n}\n',
    );
  });

  it("sorts keys by code point, as Python's sorted() does (upper case first)", () => {
    expect(json({ b: 1, B: 2, a: 3, _: 4 })).toBe('{\n  "B": 2,\n  "_": 4,\n  "a": 3,\n  "b": 1\n}\n');
  });

  it("prints numbers as Python does: integers plain, small floats in exponent form", () => {
    expect(json({ i: 90, f: 1.5, tiny: 0.00001, neg: -0.25 })).toBe('{\n  "f": 1.5,\n  "i": 90,\n  "neg": -0.25,\n  "tiny": 1e-05\n}\n');
  });

  it("prints a bare string JSON-quoted, and a number or boolean as itself", () => {
    expect(json("abc")).toBe('"abc"\n');
    expect(json(7)).toBe("7\n");
    expect(json(false)).toBe("false\n");
    expect(json([])).toBe("[]\n");
  });

  it("keeps the list order (only object keys are sorted)", () => {
    expect(json(listResult()).indexOf('"name": "beta"')).toBeLessThan(json(listResult()).indexOf('"name": "alpha"'));
  });

  it("prints nothing for a null or missing result, as az does", () => {
    expect(json(null)).toBe("");
    expect(json(undefined)).toBe("");
  });

  it("drops undefined fields and serialises Dates the way JSON does", () => {
    expect(json({ a: undefined, when: new Date("2024-01-02T03:04:05.000Z") })).toBe('{\n  "when": "2024-01-02T03:04:05.000Z"\n}\n');
  });
});

describe("-o jsonc", () => {
  it("is exactly the json text when colour is off", () => {
    expect(renderOutput(keyResult(), { format: "jsonc", color: false })).toBe(json(keyResult()));
  });

  it("colours keys, strings, numbers and literals like Pygments' terminal formatter", () => {
    const text = renderOutput({ a: "x", n: 1, t: true, z: null }, { format: "jsonc", color: true });
    expect(text).toBe(
      '{\n  \u001b[94m"a"\u001b[39m: \u001b[33m"x"\u001b[39m,\n  \u001b[94m"n"\u001b[39m: \u001b[34m1\u001b[39m,\n' +
        '  \u001b[94m"t"\u001b[39m: \u001b[34mtrue\u001b[39m,\n  \u001b[94m"z"\u001b[39m: \u001b[34mnull\u001b[39m\n}\n',
    );
  });

  it("plain json never carries colour even when colour is allowed", () => {
    expect(renderOutput({ a: "x" }, { format: "json", color: true })).toBe('{\n  "a": "x"\n}\n');
  });
});
