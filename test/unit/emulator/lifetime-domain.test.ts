import { describe, expect, it } from "vitest";
import { durationSeconds, formatSeconds, parseDuration, parseIsoDuration } from "../../../src/shared/duration.js";
import { nextRotationDue, rotatedExpiry, type RotationPolicy } from "../../../src/emulator/domain/rotation-policy.js";
import { parseReleasePolicyDocument, policySatisfied } from "../../../src/emulator/domain/release-policy.js";
import { snakeCaseKeys, policyFromValue } from "../../../src/cli/commands/rotation-policy.js";

const DAY = 86_400;

describe("durations", () => {
  it("reads ISO 8601 with .NET's year (365 days) and month (30 days)", () => {
    expect(durationSeconds(parseIsoDuration("P1Y")!)).toBe(365 * DAY);
    expect(durationSeconds(parseIsoDuration("P2M")!)).toBe(60 * DAY);
    expect(durationSeconds(parseIsoDuration("P1W")!)).toBe(7 * DAY);
    expect(durationSeconds(parseIsoDuration("P1DT2H3M4S")!)).toBe(DAY + 2 * 3600 + 3 * 60 + 4);
    expect(durationSeconds(parseIsoDuration("PT48H")!)).toBe(2 * DAY);
    for (const bad of ["P", "PT", "P1DT", "30D", "P1.5D", "p30d", "P-1D", "", "P30D "]) expect(parseIsoDuration(bad), bad).toBeUndefined();
  });

  it("reads the command line's short forms, and ISO case-insensitively", () => {
    expect(durationSeconds(parseDuration("30d")!)).toBe(30 * DAY);
    expect(durationSeconds(parseDuration("1d12h")!)).toBe(DAY + 12 * 3600);
    expect(durationSeconds(parseDuration("90m")!)).toBe(90 * 60);
    expect(durationSeconds(parseDuration("2W")!)).toBe(14 * DAY);
    expect(durationSeconds(parseDuration("p30d")!)).toBe(30 * DAY);
    for (const bad of ["soon", "30", "d30", "1.5h", "-1d"]) expect(parseDuration(bad), bad).toBeUndefined();
  });

  it("formats seconds as days and time", () => {
    expect(formatSeconds(0)).toBe("PT0S");
    expect(formatSeconds(30 * DAY)).toBe("P30D");
    expect(formatSeconds(30 * DAY + 12 * 3600 + 61)).toBe("P30DT12H1M1S");
    expect(formatSeconds(-3600)).toBe("-PT1H");
  });
});

describe("rotation schedule", () => {
  const policy = (action: { timeAfterCreate?: string; timeBeforeExpiry?: string }, expiryTime?: string): RotationPolicy => ({
    lifetimeActions: [{ type: "Rotate", ...action }, { type: "Notify", timeBeforeExpiry: "P30D" }],
    ...(expiryTime ? { expiryTime } : {}),
    created: 0,
    updated: 0,
  });
  it("is due timeAfterCreate after creation, or timeBeforeExpiry before expiry (never without one)", () => {
    expect(nextRotationDue(policy({ timeAfterCreate: "P30D" }), { created: 1000 })).toBe(1000 + 30 * DAY);
    expect(nextRotationDue(policy({ timeBeforeExpiry: "P10D" }, "P60D"), { created: 0, expires: 60 * DAY })).toBe(50 * DAY);
    expect(nextRotationDue(policy({ timeBeforeExpiry: "P10D" }, "P60D"), { created: 0 })).toBeUndefined();
    expect(nextRotationDue({ lifetimeActions: [{ type: "Notify", timeBeforeExpiry: "P30D" }], created: 0, updated: 0 }, { created: 0, expires: 9 })).toBeUndefined();
    expect(nextRotationDue(undefined, { created: 0 })).toBeUndefined();
    expect(rotatedExpiry(policy({ timeAfterCreate: "P30D" }, "P90D"), 5)).toBe(5 + 90 * DAY);
    expect(rotatedExpiry(policy({ timeAfterCreate: "P30D" }), 5)).toBeUndefined();
  });
});

describe("release policy evaluation", () => {
  const doc = parseReleasePolicyDocument({
    version: "1.0.0",
    anyOf: [
      { authority: "https://attestation.localhost/", allOf: [{ claim: "x-ms-isolation-tee.x-ms-compliance-status", equals: "azure-compliant-cvm" }, { anyOf: [{ claim: "a", equals: 1 }, { claim: "b", condition: "equals", value: "y" }] }] },
      { authority: "https://other.example", allOf: [{ claim: "z", equals: "z" }] },
    ],
  });
  const tee = { "x-ms-isolation-tee": { "x-ms-compliance-status": "azure-compliant-cvm" } };
  it("resolves dotted claims, nested anyOf/allOf, the legacy condition/value spelling, and compares scalars as text", () => {
    expect(policySatisfied(doc, "https://attestation.localhost", { ...tee, a: "1" })).toBe(true);
    expect(policySatisfied(doc, "https://attestation.localhost", { ...tee, b: "y" })).toBe(true);
    expect(policySatisfied(doc, "https://attestation.localhost", { "x-ms-isolation-tee.x-ms-compliance-status": "azure-compliant-cvm", a: 1 })).toBe(true);
    expect(policySatisfied(doc, "https://attestation.localhost", { ...tee, a: "2" })).toBe(false);
    expect(policySatisfied(doc, "https://attestation.localhost", { a: "1" })).toBe(false);
  });
  it("lets a token satisfy only the blocks of its own issuer", () => {
    expect(policySatisfied(doc, "https://other.example/", { z: "z" })).toBe(true);
    expect(policySatisfied(doc, "https://attestation.localhost", { z: "z" })).toBe(false);
    expect(policySatisfied(doc, "https://third.example", { ...tee, a: "1", z: "z" })).toBe(false);
  });
});

describe("az's rotation-policy --value spellings", () => {
  it("snake-cases keys as azure-cli does", () => {
    expect(snakeCaseKeys({ lifetimeActions: [{ timeAfterCreate: "x", action: { type: "Rotate" } }], expiresIn: "y", HTTPServer: 1 })).toEqual({
      lifetime_actions: [{ time_after_create: "x", action: { type: "Rotate" } }],
      expires_in: "y",
      http_server: 1,
    });
  });
  it("maps the three shapes to the same SDK policy", () => {
    const expected = { lifetimeActions: [{ action: "Rotate", timeAfterCreate: "P90D" }], expiresIn: "P2Y" };
    expect(policyFromValue('{"lifetimeActions":[{"trigger":{"timeAfterCreate":"P90D"},"action":{"type":"Rotate"}}],"attributes":{"expiryTime":"P2Y"}}', "/")).toEqual(expected);
    expect(policyFromValue('{"lifetime_actions":[{"trigger":{"time_after_create":"P90D"},"action":{"type":"Rotate"}}],"attributes":{"expiry_time":"P2Y"}}', "/")).toEqual(expected);
    expect(policyFromValue('{"lifetimeActions":[{"action":"Rotate","timeAfterCreate":"P90D"}],"expiresIn":"P2Y"}', "/")).toEqual(expected);
  });
});
