import { describe, expect, it } from "vitest";
import { compileQuery, renderOutput } from "../../../src/output/index.js";
import { keyResult, listResult } from "./fixtures.js";

const yaml = (result: unknown, query?: string) =>
  renderOutput(result, { format: "yaml", color: false, ...(query ? { query: compileQuery(query) } : {}) });

describe("-o yaml (PyYAML safe_dump(default_flow_style=False), as az calls it)", () => {
  it("prints a key object block-style with sorted keys, quoted timestamps and unindented lists", () => {
    expect(yaml(keyResult())).toBe(
      [
        "attributes:",
        "  created: '2024-05-01T10:00:00+00:00'",
        "  enabled: true",
        "  expires: null",
        "  exportable: false",
        "  notBefore: null",
        "  recoverableDays: 90",
        "  recoveryLevel: Recoverable+Purgeable",
        "  updated: '2024-05-01T10:00:00+00:00'",
        "key:",
        "  crv: null",
        "  d: null",
        "  dp: null",
        "  dq: null",
        "  e: AQAB",
        "  k: null",
        "  keyOps:",
        "  - encrypt",
        "  - decrypt",
        "  kid: https://demo.vault.azure.net/keys/k1/0f1e2d3c",
        "  kty: RSA",
        "  n: 3SxJ+Awv/J8M==",
        "  p: null",
        "  q: null",
        "  qi: null",
        "  t: null",
        "  x: null",
        "  y: null",
        "managed: null",
        "releasePolicy: null",
        "tags: null",
        "",
      ].join("\n"),
    );
  });

  it("never tags key material as !!binary (the az 2.45 defect)", () => {
    expect(yaml(keyResult())).not.toContain("!!binary");
  });

  it("prints a list of objects as a sequence of mappings", () => {
    expect(yaml(listResult())).toBe(
      [
        "- attributes:",
        "    created: '2024-05-02T00:00:00+00:00'",
        "    enabled: true",
        "  kid: https://demo.vault.azure.net/keys/beta",
        "  managed: null",
        "  name: beta",
        "  tags:",
        "    env: dev",
        "- attributes:",
        "    created: '2024-05-01T00:00:00+00:00'",
        "    enabled: false",
        "  kid: https://demo.vault.azure.net/keys/alpha",
        "  managed: null",
        "  name: alpha",
        "  tags: null",
        "",
      ].join("\n"),
    );
  });

  it("quotes strings that YAML 1.1 would read as something else, exactly where PyYAML does", () => {
    const text = yaml({ a: "yes", b: "Off", c: "123", d: "1.5", e: "", f: "null", g: "~", h: "2024-05-01", i: "0x1F", j: "<<", k: "=" });
    expect(text).toBe("a: 'yes'\nb: 'Off'\nc: '123'\nd: '1.5'\ne: ''\nf: 'null'\ng: '~'\nh: '2024-05-01'\ni: '0x1F'\nj: '<<'\nk: '='\n");
  });

  it("leaves plain what PyYAML leaves plain (y, n, 1e3 are strings in YAML 1.1)", () => {
    expect(yaml({ a: "y", b: "n", c: "1e3", d: "a:b", e: "it's", f: "RSA-HSM" })).toBe("a: y\nb: n\nc: 1e3\nd: a:b\ne: it's\nf: RSA-HSM\n");
  });

  it("quotes indicators, leading/trailing spaces and ': ' / ' #' sequences", () => {
    expect(yaml({ a: "- x", b: " lead", c: "trail ", d: "k: v", e: "x #y", f: "#x", g: "*a", h: "'q'" })).toBe(
      "a: '- x'\nb: ' lead'\nc: 'trail '\nd: 'k: v'\ne: 'x #y'\nf: '#x'\ng: '*a'\nh: '''q'''\n",
    );
  });

  it("writes a multi-line string single-quoted with a blank line per line break, indented under its key", () => {
    expect(yaml({ outer: { text: "line1\nline2" } })).toBe("outer:\n  text: 'line1\n\n    line2'\n");
  });

  it("double-quotes strings with tabs or control characters, with PyYAML's escapes", () => {
    expect(yaml({ a: "tab\there", b: "bell\u0007", c: "del\u007f" })).toBe('a: "tab\\there"\nb: "bell\\a"\nc: "del\\x7F"\n');
  });

  it("does not fold long strings (the value is kept on one line)", () => {
    const long = "word ".repeat(40).trim();
    expect(yaml({ long })).toBe(`long: ${long}\n`);
  });

  it("writes printable non-ASCII text as is", () => {
    expect(yaml({ name: "clé 日本" })).toBe("name: clé 日本\n");
  });

  it("closes a document that is a single plain scalar with '...', as PyYAML does", () => {
    expect(yaml(listResult(), "[0].name")).toBe("beta\n...\n");
    expect(yaml(5)).toBe("5\n...\n");
    expect(yaml(true)).toBe("true\n...\n");
    expect(yaml("yes")).toBe("'yes'\n");
  });

  it("prints empty collections in flow style", () => {
    expect(yaml({ tags: {}, ops: [] })).toBe("ops: []\ntags: {}\n");
    expect(yaml([])).toBe("[]\n");
  });

  it("prints floats with PyYAML's representer", () => {
    expect(yaml({ a: 1.25, b: 0.00001 })).toBe("a: 1.25\nb: 1.0e-05\n");
  });

  it("sorts keys even after a query built them in another order", () => {
    expect(yaml(listResult(), "[0].{name: name, enabled: attributes.enabled}")).toBe("enabled: true\nname: beta\n");
  });
});

describe("-o yamlc", () => {
  it("is exactly the yaml text when colour is off", () => {
    expect(renderOutput(keyResult(), { format: "yamlc", color: false })).toBe(yaml(keyResult()));
  });

  it("colours keys and quoted strings, leaves plain scalars alone", () => {
    expect(renderOutput({ a: "x", b: "yes" }, { format: "yamlc", color: true })).toBe(
      "\u001b[94ma\u001b[39m: x\n\u001b[94mb\u001b[39m: \u001b[33m'yes'\u001b[39m\n",
    );
  });
});
