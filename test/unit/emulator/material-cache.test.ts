import { describe, expect, test } from "vitest";
import { MaterialCache } from "../../../src/emulator/service/material-cache.js";
import type { PrivateMaterial } from "../../../src/emulator/crypto/material.js";

// The bounds of the unsealed-material cache: size (least recently used first), lifetime, invalidation.

const material = (k: string): PrivateMaterial => ({ family: "oct", k });
const sealed = (text: string) => Buffer.from(text);

describe("MaterialCache", () => {
  test("finds material only by the exact sealed bytes and binding it was opened from", () => {
    const cache = new MaterialCache();
    cache.set("v.vault/k/1", sealed("blob-1"), material("a"));
    expect(cache.get("v.vault/k/1", sealed("blob-1"))).toEqual(material("a"));
    expect(cache.get("v.vault/k/1", sealed("blob-2"))).toBeUndefined();
    expect(cache.get("v.vault/k/2", sealed("blob-1"))).toBeUndefined();
  });

  test("hands out frozen material, so one object can be shared between requests", () => {
    const cache = new MaterialCache();
    const stored = cache.set("v.vault/k/1", sealed("b"), material("a"));
    expect(Object.isFrozen(stored)).toBe(true);
    expect(cache.get("v.vault/k/1", sealed("b"))).toBe(stored);
  });

  test("holds at most maxEntries, dropping the least recently used", () => {
    const cache = new MaterialCache({ maxEntries: 2 });
    cache.set("v/a/1", sealed("a"), material("a"));
    cache.set("v/b/1", sealed("b"), material("b"));
    expect(cache.get("v/a/1", sealed("a"))).toBeDefined(); // a is now the most recent
    cache.set("v/c/1", sealed("c"), material("c"));
    expect(cache.size).toBe(2);
    expect(cache.get("v/b/1", sealed("b"))).toBeUndefined();
    expect(cache.get("v/a/1", sealed("a"))).toBeDefined();
    expect(cache.get("v/c/1", sealed("c"))).toBeDefined();
  });

  test("forgets an entry once its lifetime is over", () => {
    let now = 0;
    const cache = new MaterialCache({ ttlMs: 1000, now: () => now });
    cache.set("v/a/1", sealed("a"), material("a"));
    now = 999;
    expect(cache.get("v/a/1", sealed("a"))).toBeDefined();
    now = 1000;
    expect(cache.get("v/a/1", sealed("a"))).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  test("invalidates one key's versions or a whole vault by prefix, case-insensitively", () => {
    const cache = new MaterialCache();
    cache.set("v.vault/k/1", sealed("1"), material("1"));
    cache.set("v.vault/k/2", sealed("2"), material("2"));
    cache.set("v.vault/kk/1", sealed("3"), material("3"));
    cache.set("w.vault/k/1", sealed("4"), material("4"));
    cache.invalidate("v.vault/K/");
    expect(cache.get("v.vault/k/1", sealed("1"))).toBeUndefined();
    expect(cache.get("v.vault/k/2", sealed("2"))).toBeUndefined();
    expect(cache.get("v.vault/kk/1", sealed("3"))).toBeDefined();
    cache.invalidate("v.vault/");
    expect(cache.get("v.vault/kk/1", sealed("3"))).toBeUndefined();
    expect(cache.get("w.vault/k/1", sealed("4"))).toBeDefined();
  });

  test("maxEntries 0 turns caching off", () => {
    const cache = new MaterialCache({ maxEntries: 0 });
    cache.set("v/a/1", sealed("a"), material("a"));
    expect(cache.get("v/a/1", sealed("a"))).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
