import { describe, expect, test } from "vitest";
import { assessKey, assessVault, failsAt, rotationIntervalSeconds, sortFindings, type KeyFacts } from "../../../src/cli/assess/rules.js";

// The rules of `kvkey assess` on facts alone, including what the emulator cannot produce (an RSA key
// under 2048 bits) and what only a real vault answers (rotation policies unreadable or not implemented).

const NOW = Date.UTC(2026, 5, 1);
const DAY = 86_400_000;
const at = { key: (name: string) => `--vault-name v -n ${name}`, suffix: "" };
const GOOD: KeyFacts = {
  name: "k",
  version: "v1",
  kty: "EC",
  operations: ["sign", "verify"],
  enabled: true,
  expiresOn: NOW + 200 * DAY,
  rotation: { state: "read", actions: [{ action: "Rotate", timeAfterCreate: "P90D" }, { action: "Notify", timeBeforeExpiry: "P30D" }], expiresIn: "P1Y" },
};
const rules = (k: Partial<KeyFacts>) => assessKey({ ...GOOD, ...k }, NOW, at).map((f) => `${f.severity} ${f.rule}`);

describe("assess rules", () => {
  test("a key by the book has no findings", () => {
    expect(rules({})).toEqual([]);
  });

  test("RSA: under 2048 bits is high, under 3072 low, 3072 and up fine", () => {
    const rsa = { kty: "RSA-HSM", operations: ["sign", "verify"] };
    expect(rules({ ...rsa, rsaBits: 1024 })).toEqual(["high rsa-under-2048"]);
    expect(rules({ ...rsa, rsaBits: 2048 })).toEqual(["low rsa-under-3072"]);
    expect(rules({ ...rsa, rsaBits: 4096 })).toEqual([]);
    expect(assessKey({ ...GOOD, ...rsa, rsaBits: 1024 }, NOW, at)[0]!.fix).toBe("kvkey create --vault-name v -n k --kty RSA-HSM --size 3072");
  });

  test("expiry: none is high, past is high, within 30 days medium, later fine", () => {
    const { expiresOn: _, ...noExpiry } = GOOD;
    expect(assessKey(noExpiry, NOW, at).map((f) => f.rule)).toEqual(["no-expiry"]);
    expect(rules({ expiresOn: NOW - 1 })).toEqual(["high expired"]);
    expect(rules({ expiresOn: NOW + 30 * DAY })).toEqual(["medium expires-soon"]);
    expect(rules({ expiresOn: NOW + 30 * DAY + 1 })).toEqual([]);
  });

  test("rotation: no policy (404/501 or no Rotate action) is medium; over a year low; unreadable is not judged", () => {
    expect(rules({ rotation: { state: "none", status: 501 } })).toEqual(["medium no-rotation-policy"]);
    expect(rules({ rotation: { state: "read", actions: [{ action: "Notify", timeBeforeExpiry: "P30D" }] } })).toEqual(["medium no-rotation-policy"]);
    expect(rules({ rotation: { state: "read", actions: [{ action: "Rotate", timeAfterCreate: "P366D" }] } })).toEqual(["low rotation-interval-over-a-year"]);
    expect(rules({ rotation: { state: "read", actions: [{ action: "Rotate", timeAfterCreate: "P1Y" }] } })).toEqual([]);
    // timeBeforeExpiry: the interval is the lifetime minus the trigger.
    const beforeExpiry = { state: "read" as const, actions: [{ action: "Rotate", timeBeforeExpiry: "P30D" }], expiresIn: "P2Y" };
    expect(rotationIntervalSeconds(beforeExpiry)).toBe((730 - 30) * 86_400);
    expect(rules({ rotation: beforeExpiry })).toEqual(["low rotation-interval-over-a-year"]);
    expect(rules({ rotation: { state: "unreadable", reason: "HTTP 403" } })).toEqual([]);
  });

  test("operations: all of an RSA key's is medium; encryption and signing low; an EC key's sign/verify or no key_ops on EC is fine", () => {
    const rsa = { kty: "RSA", rsaBits: 3072 };
    expect(rules({ ...rsa, operations: ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"] })).toEqual(["medium all-operations"]);
    expect(rules({ ...rsa, operations: [] })).toEqual(["medium all-operations"]);
    expect(rules({ ...rsa, operations: ["wrapKey", "verify"] })).toEqual(["low encryption-and-signing"]);
    expect(rules({ ...rsa, operations: ["wrapKey", "unwrapKey"] })).toEqual([]);
    expect(rules({ operations: [] })).toEqual([]);
    expect(rules({ kty: "oct-HSM", operations: ["encrypt", "decrypt", "wrapKey", "unwrapKey"] })).toEqual([]);
  });

  test("disabled is low; fixes carry the addressing and --cloud", () => {
    expect(rules({ enabled: false })).toEqual(["low disabled-not-deleted"]);
    const byId = { key: (n: string) => `--id https://v.vault.azure.net/keys/${n}`, suffix: " --cloud AzureCloud" };
    expect(assessKey({ ...GOOD, enabled: false }, NOW, byId)[0]!.fix).toBe("kvkey delete --id https://v.vault.azure.net/keys/k --cloud AzureCloud");
  });

  test("vault settings; ordering; --fail-on thresholds", () => {
    expect(assessVault({ name: "h", kind: "managedhsm", retentionDays: 90, purgeProtection: true })).toEqual([]);
    const vault = assessVault({ name: "h", kind: "managedhsm", retentionDays: 7, purgeProtection: false });
    expect(vault.map((f) => [f.severity, f.rule, f.fix])).toEqual([
      ["medium", "purge-protection-disabled", "kvkey emulator vault create -n h --hsm --enable-purge-protection true"],
      ["low", "short-soft-delete-retention", "kvkey emulator vault create -n h-90d --hsm --retention-days 90"],
    ]);
    const all = sortFindings([...assessKey({ ...GOOD, enabled: false }, NOW, at), ...vault, ...assessKey({ ...GOOD, expiresOn: NOW - 1 }, NOW, at)]);
    expect(all.map((f) => f.rule)).toEqual(["expired", "purge-protection-disabled", "short-soft-delete-retention", "disabled-not-deleted"]);
    expect(failsAt(all, "high")).toBe(true);
    expect(failsAt(vault, "high")).toBe(false);
    expect(failsAt(vault, "medium")).toBe(true);
    expect(failsAt([], "low")).toBe(false);
  });
});
