import { expect, test } from "vitest";
import { setImmediate as nextTurn } from "node:timers/promises";
import { ManualClock, shiftedClock } from "../../../src/emulator/domain/clock.js";

// The emulator clock reads the data directory's shift once per turn of the event loop: within one
// request's handling every reading agrees, and a shift made meanwhile (by another process) applies from
// the next turn on.

function countingShift(initial: number) {
  const shift = { value: initial, reads: 0 };
  return { shift, source: { offsetMs: () => (shift.reads++, shift.value) } };
}

test("one read of the shift per turn, however often the clock is read", async () => {
  const base = new ManualClock(1_000);
  const { shift, source } = countingShift(500);
  const clock = shiftedClock(base, source);
  for (let i = 0; i < 10; i++) expect(clock.now()).toBe(1_500);
  expect(shift.reads).toBe(1);
  // The base clock still moves within the turn; only the shift is remembered.
  base.advance(20);
  expect(clock.now()).toBe(1_520);

  shift.value = 9_000; // another process moves the shift
  expect(clock.now()).toBe(1_520);
  await nextTurn();
  expect(clock.now()).toBe(10_020);
  expect(shift.reads).toBe(2);
});

test("reload() makes this process's own change visible at once", () => {
  const { shift, source } = countingShift(0);
  const clock = shiftedClock(new ManualClock(0), source);
  expect(clock.now()).toBe(0);
  shift.value = 60_000;
  clock.reload();
  expect(clock.now()).toBe(60_000);
});

test("an emulator's own time shift applies to its next clock reading, in the same turn", async () => {
  const { createEmulator } = await import("../../../src/emulator/index.js");
  const emulator = createEmulator({ inMemory: true, clock: new ManualClock(Date.UTC(2026, 0, 1)) });
  try {
    expect(emulator.now()).toBe(Date.UTC(2026, 0, 1));
    emulator.setTimeShift(86_400_000);
    expect(emulator.now()).toBe(Date.UTC(2026, 0, 2));
    expect(emulator.advanceTime(86_400_000)).toBe(2 * 86_400_000);
    expect(emulator.now()).toBe(Date.UTC(2026, 0, 3));
  } finally {
    emulator.close();
  }
});

test("a change made through one emulator clock reaches every emulator clock of the process at once", () => {
  const { shift, source } = countingShift(0);
  const first = shiftedClock(new ManualClock(0), source);
  const second = shiftedClock(new ManualClock(0), source);
  expect([first.now(), second.now()]).toEqual([0, 0]);
  shift.value = 5_000;
  first.reload();
  expect([first.now(), second.now()]).toEqual([5_000, 5_000]);
});
