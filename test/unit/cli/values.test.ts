import { describe, expect, test } from "vitest";
import { choice, datetime, integer, tags, threeState } from "../../../src/cli/args/values.js";
import { UsageError } from "../../../src/cli/errors.js";

describe("az argument types", () => {
  test("datetimes in az's four UTC forms and ISO 8601 with an offset", () => {
    expect(datetime("--expires", "2030-01-02T03:04:05Z")!.toISOString()).toBe("2030-01-02T03:04:05.000Z");
    expect(datetime("--expires", "2030-01-02T03:04Z")!.toISOString()).toBe("2030-01-02T03:04:00.000Z");
    expect(datetime("--expires", "2030-01-02T03Z")!.toISOString()).toBe("2030-01-02T03:00:00.000Z");
    expect(datetime("--expires", "2030-01-02")!.toISOString()).toBe("2030-01-02T00:00:00.000Z");
    expect(datetime("--expires", "2030-01-02T03:04:05+02:00")!.toISOString()).toBe("2030-01-02T01:04:05.000Z");
    for (const bad of ["2020-13-45", "2021-02-30", "2030-01-02T24Z", "2030-01-02 03:04", "soon"]) {
      expect(() => datetime("--expires", bad)).toThrow(new UsageError(`argument --expires: invalid datetime_type value: '${bad}'`));
    }
  });

  test("tags: key=value, bare keys, '' clears", () => {
    expect(tags(["a=b", "c", "d=e=f"])).toEqual({ a: "b", c: "", d: "e=f" });
    expect(tags([""])).toEqual({});
    expect(tags(undefined)).toBeUndefined();
  });

  test("three-state booleans and case-insensitive choices", () => {
    expect(threeState("kvkey x", "--enabled", true)).toBe(true);
    expect(threeState("kvkey x", "--enabled", "FALSE")).toBe(false);
    expect(() => threeState("kvkey x", "--enabled", "no")).toThrow("kvkey x: 'no' is not a valid value for '--enabled'. Allowed values: true, false.");
    expect(choice("kvkey x", "--kty", "rsa-hsm", ["RSA", "RSA-HSM"])).toBe("RSA-HSM");
  });

  test("integers", () => {
    expect(integer("--size", "4096")).toBe(4096);
    expect(() => integer("--size", "4k")).toThrow("argument --size: invalid int value: '4k'");
  });
});
