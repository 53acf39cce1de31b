import { describe, expect, it } from "vitest";
import { compileQuery, OUTPUT_FORMATS, renderOutput, type OutputFormat } from "../../../src/output/index.js";
import { keyResult, listResult } from "./fixtures.js";

describe("renderOutput: --query first, then --output", () => {
  it("knows az's seven formats", () => {
    expect([...OUTPUT_FORMATS].sort()).toEqual(["json", "jsonc", "none", "table", "tsv", "yaml", "yamlc"]);
  });

  it("prints nothing for -o none, whatever the result", () => {
    expect(renderOutput(keyResult(), { format: "none", color: true })).toBe("");
  });

  it.each(OUTPUT_FORMATS as OutputFormat[])("prints nothing in %s when the result is null or undefined", (format) => {
    expect(renderOutput(null, { format, color: false })).toBe("");
    expect(renderOutput(undefined, { format, color: false })).toBe("");
  });

  it("applies the query to the result before formatting", () => {
    const query = compileQuery("[?name=='alpha'].name | [0]");
    expect(renderOutput(listResult(), { format: "json", color: false, query })).toBe('"alpha"\n');
    expect(renderOutput(listResult(), { format: "tsv", color: false, query })).toBe("alpha\n");
    expect(renderOutput(listResult(), { format: "yaml", color: false, query })).toBe("alpha\n...\n");
    expect(renderOutput(listResult(), { format: "table", color: false, query })).toBe("Result\n--------\nalpha\n");
  });

  it("still sorts json keys after a multiselect hash, as az's sort_keys=True does", () => {
    const query = compileQuery("[0].{name: name, enabled: attributes.enabled}");
    expect(renderOutput(listResult(), { format: "json", color: false, query })).toBe('{\n  "enabled": true,\n  "name": "beta"\n}\n');
  });

  it("treats a __proto__ key as an ordinary key, in data and in a multiselect hash", () => {
    const data = JSON.parse('{"tags": {"__proto__": "x"}}') as unknown;
    expect(renderOutput(data, { format: "json", color: false })).toBe('{\n  "tags": {\n    "__proto__": "x"\n  }\n}\n');
    const query = compileQuery("{__proto__: tags.__proto__}");
    expect(renderOutput(data, { format: "tsv", color: false, query })).toBe("x\n");
  });

  it("does not change the command's result", () => {
    const result = listResult();
    const before = JSON.stringify(result);
    renderOutput(result, { format: "table", color: false, query: compileQuery("sort_by(@, &name)") });
    expect(JSON.stringify(result)).toBe(before);
  });
});
