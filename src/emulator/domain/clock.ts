// Time is injected so tests, and later `kvkey emulator time-shift`, can move it.

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that runs with real time but shifted by a fixed offset. */
export function offsetClock(offsetMs: number, base: Clock = systemClock): Clock {
  return { now: () => base.now() + offsetMs };
}

/** A clock that only moves when told to: deterministic tests. */
export class ManualClock implements Clock {
  constructor(private current: number = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(ms: number): void {
    this.current = ms;
  }
}

/** Where a data directory keeps its clock shift (the store, read on every call: another process may move it). */
export interface ClockShift {
  /** Milliseconds the emulator clock runs ahead of its base clock. */
  offsetMs(): number;
}

/**
 * The emulator clock: a base clock (the system clock, or a test's) plus the data directory's shift
 * (`kvkey emulator time-shift`). Read per call, so a shift made by another process (the CLI while a
 * served emulator runs) applies to the next request.
 */
export function shiftedClock(base: Clock, shift: ClockShift): Clock {
  return { now: () => base.now() + shift.offsetMs() };
}
