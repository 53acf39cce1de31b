import { describe, expect, it } from "vitest";
import { compileQuery, renderOutput, TableOutputError, type RenderOptions } from "../../../src/output/index.js";
import { keyResult, listResult } from "./fixtures.js";

const table = (result: unknown, options: Partial<RenderOptions> = {}) => renderOutput(result, { format: "table", color: false, ...options });

describe("-o table, generic (knack's _TableOutput + tabulate 'simple')", () => {
  it("prints an empty line for a key object: no top-level field is a scalar", () => {
    expect(table(keyResult())).toBe("\n");
  });

  it("shows only top-level scalar, non-null fields, skips id/type/etag, sorts and capitalises the columns", () => {
    const row = { name: "k", id: "x", type: "t", etag: "e", enabled: true, size: 2048, tags: { a: "b" }, ops: ["x"], none: null, empty: "" };
    expect(table([row])).toBe("Empty    Enabled    Name    Size\n-------  ---------  ------  ------\n         True       k       2048\n");
  });

  it("prints a key list as Kid and Name, each column at least two wider than its header", () => {
    expect(table(listResult())).toBe(
      "Kid                                      Name\n" +
        "---------------------------------------  ------\n" +
        "https://demo.vault.azure.net/keys/beta   beta\n" +
        "https://demo.vault.azure.net/keys/alpha  alpha\n",
    );
  });

  it("keeps a query's column order instead of sorting", () => {
    const query = compileQuery("[].{name:name, enabled:attributes.enabled}");
    expect(table(listResult(), { query })).toBe("Name    Enabled\n------  ---------\nbeta    True\nalpha   False\n");
  });

  it("puts a scalar result, or a list of scalars, in a single Result column", () => {
    expect(table(listResult(), { query: compileQuery("[0].name") })).toBe("Result\n--------\nbeta\n");
    expect(table(["a", "bb"])).toBe("Result\n--------\na\nbb\n");
  });

  it("numbers the columns of list rows", () => {
    expect(table([["a", 1], ["b"]])).toBe("Column1    Column2\n---------  ---------\na          1\nb\n");
  });

  it("joins the columns of all rows in first-seen order and leaves missing cells blank", () => {
    expect(table([{ a: "x" }, { b: "longer value" }, { a: "y", b: "z" }])).toBe(
      "A    B\n---  ------------\nx\n     longer value\ny    z\n",
    );
  });

  it("strips cells; a line break inside a cell is escaped, not spread over lines (not az: a value cannot forge a row)", () => {
    expect(table({ name: "  padded  ", note: "two\nlines", n: 1 })).toBe("N    Name    Note\n---  ------  ----------\n1    padded  two\\nlines\n");
  });

  it("escapes every control character in cells and headers, Python-style; printable text is untouched (issue 18)", () => {
    const text = table([{ "k\u001b[2J": "red\u001b[31m", bell: "a\u0007b\rc\td", csi: "x\u009by", clé: "日本\\n" }]);
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(text.split("\n")).toHaveLength(4);
    for (const shown of ["K\\x1b[2J", "red\\x1b[31m", "a\\x07b\\rc\\td", "x\\x9by", "日本\\n"]) expect(text).toContain(shown);
  });

  it("prints an empty line for an empty list", () => {
    expect(table([])).toBe("\n");
  });
});

describe("-o table with a command's table view", () => {
  const view = (result: unknown) =>
    (result as ReturnType<typeof listResult>).map((item) => ({ Name: item.name, Enabled: item.attributes.enabled }));

  it("runs the view on the result and keeps the view's column order", () => {
    expect(table(listResult(), { tableView: view })).toBe("Name    Enabled\n------  ---------\nbeta    True\nalpha   False\n");
  });

  it("turns a key object's empty table into a useful one", () => {
    const keyView = (r: unknown) => [{ Kty: (r as ReturnType<typeof keyResult>).key.kty, Enabled: (r as ReturnType<typeof keyResult>).attributes.enabled }];
    expect(table(keyResult(), { tableView: keyView })).toBe("Kty    Enabled\n-----  ---------\nRSA    True\n");
  });

  it("is ignored when there is a query (the query decides what to show)", () => {
    let called = false;
    const spy = (r: unknown) => {
      called = true;
      return r;
    };
    expect(table(listResult(), { tableView: spy, query: compileQuery("[].name") })).toBe("Result\n--------\nbeta\nalpha\n");
    expect(called).toBe(false);
  });

  it("is used only for -o table", () => {
    expect(renderOutput(listResult(), { format: "tsv", color: false, tableView: () => [{ X: 1 }] })).not.toContain("1\n");
  });

  it("reports a failing view with knack's message", () => {
    const broken = () => {
      throw new Error("boom");
    };
    expect(() => table(listResult(), { tableView: broken })).toThrow(TableOutputError);
    expect(() => table(listResult(), { tableView: broken })).toThrow(
      "Table output unavailable. Use the --query option to specify an appropriate query. Use --debug for more info.",
    );
  });
});

describe("-o table fitted to the terminal (kvkey only)", () => {
  it("shrinks the widest column with an ellipsis until the lines fit", () => {
    const text = table(listResult(), { terminalWidth: 30 });
    expect(text).toBe(
      "Kid                      Name\n" +
        "-----------------------  -----\n" +
        "https://demo.vault.azu…  beta\n" +
        "https://demo.vault.azu…  alpha\n",
    );
    for (const line of text.split("\n")) expect(Array.from(line).length).toBeLessThanOrEqual(30);
  });

  it("takes the padding of narrow and empty columns before cutting anyone's text", () => {
    const view = () => [{ Name: "alpha", Expires: "", Kid: "https://demo.vault.azure.net/keys/alpha" }];
    expect(table(listResult(), { tableView: view, terminalWidth: 40 })).toBe(
      "Name   Expires  Kid\n" + "-----  -------  ------------------------\n" + "alpha           https://demo.vault.azur…\n",
    );
  });

  it("leaves a table that already fits untouched", () => {
    expect(table(listResult(), { terminalWidth: 200 })).toBe(table(listResult()));
  });

  it("never cuts a column below its header, so a too-narrow terminal gets an overflowing table", () => {
    expect(table([{ name: "abcdef", recoveryId: "xyz" }], { terminalWidth: 5 })).toBe("Name  RecoveryId\n----  ----------\nabc…  xyz\n");
  });
});
