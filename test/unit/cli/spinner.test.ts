import { describe, expect, test } from "vitest";
import { withSpinner } from "../../../src/io/spinner.js";
import { bufferedIO } from "../../../src/io/streams.js";

// Slow calls (RSA-4096 creation, about a second) show a spinner on stderr when a person is watching;
// quick calls and piped or CI runs never see one.

const slow = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe("withSpinner", () => {
  test("a slow call on a TTY draws the spinner's text on stderr and returns the call's value", async () => {
    const io = bufferedIO({ isStderrTTY: true });
    expect(await withSpinner(io, "Creating RSA 4096 key 'big'...", () => slow(700, 42))).toBe(42);
    expect(io.err()).toContain("Creating RSA 4096 key 'big'...");
    expect(io.out()).toBe("");
  });

  test("a quick call draws nothing, even on a TTY", async () => {
    const io = bufferedIO({ isStderrTTY: true });
    await withSpinner(io, "Creating...", () => slow(10, 1));
    await slow(400, 0); // past the spinner's delay: nothing may appear late either
    expect(io.err()).toBe("");
  });

  test("piped stderr, or CI set, never draws, however slow the call", async () => {
    for (const io of [bufferedIO({ isStderrTTY: false }), bufferedIO({ isStderrTTY: true, env: { CI: "true" } })]) {
      await withSpinner(io, "Creating...", () => slow(500, 1));
      expect(io.err()).toBe("");
    }
  });

  test("a failing call still stops the spinner and passes the error on", async () => {
    const io = bufferedIO({ isStderrTTY: true });
    await expect(withSpinner(io, "Creating...", () => slow(500, 0).then(() => Promise.reject(new Error("boom"))))).rejects.toThrow("boom");
    const drawn = io.err().length;
    await slow(300, 0);
    expect(io.err().length).toBe(drawn);
  });
});
