import { describe, expect, it } from "vitest";
import { compileQuery, QueryError, QueryRuntimeError, renderOutput } from "../../../src/output/index.js";
import { listResult } from "./fixtures.js";

const search = (expression: string, data: unknown = listResult()) => compileQuery(expression).search(data);

describe("compileQuery: syntax errors are rejected before any work, with argparse's message", () => {
  it("reports az's message, quoting the text as Python's repr() does", () => {
    expect(() => compileQuery("[?name=='x'")).toThrow(QueryError);
    expect(() => compileQuery("[?name=='x'")).toThrow(`argument --query: invalid jmespath_type value: "[?name=='x'"`);
    expect(() => compileQuery("foo[")).toThrow("argument --query: invalid jmespath_type value: 'foo['");
  });

  it.each(["", "foo.", "a[", "'unterminated", "`1", "=", "-", "{}", "[a,]", "a | ", "a[?]", "\"a\"(@)"])("rejects %j", (expression) => {
    expect(() => compileQuery(expression)).toThrow(QueryError);
  });

  it("keeps the expression text on the compiled query", () => {
    expect(compileQuery("[].name").expression).toBe("[].name");
  });
});

describe("query evaluation matches jmespath.py", () => {
  it("projects, filters with == on strings and on nested booleans", () => {
    expect(search("[].name")).toEqual(["beta", "alpha"]);
    expect(search("[?name=='alpha'].kid")).toEqual(["https://demo.vault.azure.net/keys/alpha"]);
    expect(search("[?attributes.enabled].name")).toEqual(["beta"]);
    expect(search("[?!(attributes.enabled)].name")).toEqual(["alpha"]);
    // `!` binds tighter than `.` in jmespath.py: this is (!attributes).enabled, which is always null.
    expect(search("[?!attributes.enabled].name")).toEqual([]);
    expect(search("[?tags].name")).toEqual(["beta"]);
  });

  it("evaluates the functions az users reach for", () => {
    expect(search("length(@)")).toBe(2);
    expect(search("sort_by(@, &attributes.created)[].name")).toEqual(["alpha", "beta"]);
    expect(search("keys(@[0])")).toEqual(["name", "kid", "attributes", "managed", "tags"]);
    expect(search("join(', ', [].name)")).toBe("beta, alpha");
    expect(search("[?contains(name, 'lph')].name")).toEqual(["alpha"]);
    expect(search("[?starts_with(kid, 'https://demo')] | length(@)")).toBe(2);
    expect(search("[].to_string(attributes.enabled)")).toEqual(["true", "false"]);
    expect(search("to_string(@[1].attributes)")).toBe('{"enabled":false,"created":"2024-05-01T00:00:00+00:00"}');
  });

  it("passes `@[0]` whole to a function (the jmespath package alone splits it into two arguments)", () => {
    expect(search("length(@[0].name)")).toBe(4);
  });

  it("unescapes every \\' in a raw string and leaves an @ inside quotes alone", () => {
    expect(search("'it\\'s \\'q\\''")).toBe("it's 'q'");
    expect(search("[?kid=='@x'] | length(@)", [{ kid: "@x" }])).toBe(1);
    expect(search("'back`tick'")).toBe("back`tick");
  });

  it("keeps a multiselect hash in the order it was written", () => {
    expect(Object.keys(search("[0].{zeta: name, alpha: kid}") as object)).toEqual(["zeta", "alpha"]);
  });

  it("compares numbers numerically and strings by code point; other orderings are null", () => {
    const data = [{ n: "b", v: 10 }, { n: "a", v: 9 }, { n: "C", v: 10 }];
    expect(search("[?v > `9`].n", data)).toEqual(["b", "C"]);
    expect(search("[?n < 'b'].n", data)).toEqual(["a", "C"]);
    expect(search("`null` < `1`", data)).toBeNull();
    expect(search("`true` > `false`", data)).toBeNull();
  });

  it("sorts numbers as numbers and finds max_by over strings", () => {
    expect(search("sort(`[10, 9, 1]`)")).toEqual([1, 9, 10]);
    expect(search("max_by(@, &name).name")).toBe("beta");
    expect(search("max(`[\"b\", \"C\", \"a\"]`)")).toBe("b");
  });

  it("sorts stably: equal keys keep their input order", () => {
    const data = [{ k: 1, id: "first" }, { k: 0, id: "x" }, { k: 1, id: "second" }];
    expect(search("sort_by(@, &k)[].id", data)).toEqual(["x", "first", "second"]);
  });

  it("treats 0 as true and 0/1 as different from false/true", () => {
    expect(search("!`0`")).toBe(false);
    expect(search("`1` == `true`")).toBe(false);
    expect(search("contains(`[1]`, `true`)")).toBe(true);
  });

  it("counts code points, not UTF-16 units, in length()", () => {
    expect(search("length(@)", "🔑ab")).toBe(3);
  });

  it("reads only the object's own fields", () => {
    expect(search("constructor")).toBeNull();
    expect(search("[0].toString")).toBeNull();
  });

  it("slices like Python", () => {
    expect(search("[::-1].name")).toEqual(["alpha", "beta"]);
    expect(search("@[5:]")).toEqual([]);
    expect(search("@[-1].name")).toBe("alpha");
  });

  it("returns null for a missing field, which az prints as nothing", () => {
    expect(search("nothing")).toBeNull();
    expect(renderOutput(listResult(), { format: "json", color: false, query: compileQuery("[0].nothing") })).toBe("");
  });
});

describe("query runtime errors (az: InvalidArgumentValueError)", () => {
  it("reports a wrong argument type with jmespath.py's message", () => {
    expect(() => search("length(nothing)")).toThrow(QueryRuntimeError);
    expect(() => search("length(nothing)")).toThrow(
      "Invalid jmespath query supplied for `--query`: In function length(), invalid type for value: None, expected one of: ['string', 'array', 'object'], received: \"null\"",
    );
  });

  it("reports unknown functions and wrong argument counts", () => {
    expect(() => search("tostring(@)")).toThrow("Invalid jmespath query supplied for `--query`: Unknown function: tostring()");
    expect(() => search("length(@, @)")).toThrow("Expected 1 argument for function length(), received 2");
  });

  it("reports sort_by over mixed key types", () => {
    expect(() => search("sort_by(@, &tags)")).toThrow(
      "In function sort_by(), invalid type for value: {'name': 'beta', 'kid': 'https://demo.vault.azure.net/keys/beta', 'attributes': {'enabled': True, 'created': '2024-05-02T00:00:00+00:00'}, 'managed': None, 'tags': {'env': 'dev'}}, expected one of: ['string', 'number'], received: \"object\"",
    );
  });

  it("carries az's pointer to the query documentation", () => {
    try {
      search("abs('x')");
      expect.unreachable();
    } catch (err) {
      expect((err as QueryRuntimeError).recommendation).toBe(
        "To learn more about --query, please visit: 'https://learn.microsoft.com/cli/azure/query-azure-cli'",
      );
    }
  });
});
