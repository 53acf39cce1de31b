import { describe, expect, test } from "vitest";
import { startCounter } from "../../../src/io/progress.js";
import { bufferedIO } from "../../../src/io/streams.js";

// The "Listed N keys..." counter: stderr only, on a TTY only, only once the work is slow enough to
// notice, throttled, and wiped at the end.

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("startCounter", () => {
  test("draws after the delay, at most once per interval, and wipes its line when done", () => {
    const io = bufferedIO({ isStderrTTY: true });
    const c = clock();
    const counter = startCounter(io, (n) => `Listed ${n} keys...`, { delayMs: 250, intervalMs: 100, now: c.now });
    counter.update(25);
    c.advance(100);
    counter.update(50);
    expect(io.err()).toBe("");
    c.advance(200);
    counter.update(75);
    c.advance(50);
    counter.update(100);
    c.advance(100);
    counter.update(125);
    counter.done();
    expect(io.err()).toBe("\r\u001b[2KListed 75 keys...\r\u001b[2KListed 125 keys...\r\u001b[2K");
    expect(io.out()).toBe("");
  });

  test("quick work draws nothing, not even the wipe", () => {
    const io = bufferedIO({ isStderrTTY: true });
    const counter = startCounter(io, (n) => `${n}`, { now: clock().now });
    counter.update(10);
    counter.done();
    expect(io.err()).toBe("");
  });

  test("never when stderr is not a terminal, or in CI", () => {
    for (const io of [bufferedIO({ isStderrTTY: false }), bufferedIO({ isStderrTTY: true, env: { CI: "true" } })]) {
      const c = clock();
      const counter = startCounter(io, (n) => `${n}`, { delayMs: 0, now: c.now });
      c.advance(1000);
      counter.update(10);
      counter.done();
      expect(io.err()).toBe("");
    }
  });
});
