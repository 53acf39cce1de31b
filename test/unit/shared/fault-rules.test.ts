import { describe, expect, test } from "vitest";
import { faultDraw, faultMatches, faultRetryAfter, formatFaultRule, parseFaultRule } from "../../../src/shared/fault-rules.js";

describe("parseFaultRule", () => {
  test("reads matchers and effects, and writes the rule back in its canonical form", () => {
    const rule = parseFaultRule("op=sign|KeyVerify, vault=Demo ,key=K1,rate=0.25,count=3,status=503,retry-after=2,delay=1.5s");
    expect(rule).toEqual({ ops: ["sign", "keyverify"], vault: "demo", key: "k1", rate: 0.25, count: 3, status: 503, retryAfter: 2, delayMs: 1500 });
    expect(formatFaultRule(rule)).toBe("op=sign|keyverify,vault=demo,key=k1,rate=0.25,count=3,status=503,retry-after=2,delay=1500ms");
    expect(parseFaultRule(formatFaultRule(rule))).toEqual(rule);
    expect(parseFaultRule("drop")).toEqual({ rate: 1, drop: true });
    expect(parseFaultRule("op=*,delay=250")).toEqual({ rate: 1, delayMs: 250 });
    expect(parseFaultRule("status=500,retry-after=none").retryAfter).toBeNull();
  });

  test.each([
    ["", /empty/],
    ["op=sign", /needs an effect/],
    ["op=fly,status=503", /'fly' is not an operation name/],
    ["status=200", /from 400 to 599/],
    ["status=503,rate=1.5", /rate: '1.5' is not a number from 0 to 1/],
    ["status=503,rate=half", /rate/],
    ["status=503,count=0", /count/],
    ["delay=soon", /delay: 'soon' is not a duration/],
    ["delay=10m", /longer than 5 minutes/],
    ["drop,status=503", /exclude each other/],
    ["delay=1s,retry-after=1", /goes with a status/],
    ["status=503,status=500", /given twice/],
    ["status=503,colour=red", /'colour' is not part of a fault rule/],
    ["drop=false", /takes no value/],
    ["status", /needs a value/],
  ])("refuses %j", (text, message) => {
    expect(() => parseFaultRule(text)).toThrow(message);
  });

  test("Retry-After defaults to 1 s for 429 and 503 only", () => {
    expect(faultRetryAfter(parseFaultRule("status=429"))).toBe(1);
    expect(faultRetryAfter(parseFaultRule("status=503"))).toBe(1);
    expect(faultRetryAfter(parseFaultRule("status=500"))).toBeUndefined();
    expect(faultRetryAfter(parseFaultRule("status=503,retry-after=0"))).toBe(0);
    expect(faultRetryAfter(parseFaultRule("status=429,retry-after=none"))).toBeUndefined();
  });
});

describe("faultMatches", () => {
  const target = { ops: ["keyoperation", "keysign", "sign"], vault: "Demo", key: "Signer" };
  test.each([
    ["status=503", true],
    ["op=sign,status=503", true],
    ["op=KeySign,status=503", true],
    ["op=verify|sign,status=503", true],
    ["op=getKey,status=503", false],
    ["vault=demo,status=503", true],
    ["vault=other,status=503", false],
    ["key=signer,status=503", true],
    ["key=other,status=503", false],
  ])("%s: %s", (text, expected) => {
    expect(faultMatches(parseFaultRule(text), target)).toBe(expected);
  });

  test("a rule naming a key does not match a request that names none", () => {
    expect(faultMatches(parseFaultRule("key=k,status=503"), { ops: ["listkeys", "keylist"], vault: "demo" })).toBe(false);
  });
});

describe("faultDraw", () => {
  test("is a fixed sequence per seed, spread over [0, 1)", () => {
    const a = Array.from({ length: 2000 }, (_, i) => faultDraw(42, i));
    expect(Array.from({ length: 2000 }, (_, i) => faultDraw(42, i))).toEqual(a);
    expect(faultDraw(43, 0)).not.toBe(a[0]);
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
    const below = a.filter((x) => x < 0.5).length;
    expect(below).toBeGreaterThan(900);
    expect(below).toBeLessThan(1100);
  });
});
