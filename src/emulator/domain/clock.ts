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

/** The emulator clock, with a way to drop the shift it remembers. */
export interface ShiftedClock extends Clock {
  /** Forgets the remembered shift in every emulator clock of this process: the shift has just changed. */
  reload(): void;
}

/**
 * Bumped whenever an emulator in this process changes a shift: every emulator clock of the process
 * reads its shift again (two emulators on one data directory in one process see each other's change
 * at once, as tests and the embedded CLI beside a served emulator do).
 */
let shiftGeneration = 0;

/**
 * The emulator clock: a base clock (the system clock, or a test's) plus the data directory's shift
 * (`kvkey emulator time-shift`). Another process may move the shift (the CLI while a served emulator
 * runs), so it is read again for every turn of the event loop: one request's handling sees one shift,
 * and the next request sees the new one. Remembering it for the turn matters: a request reads the
 * clock a dozen times, and each read outside a transaction is a SQLite read lock (measured at 15% of
 * the served emulator's CPU under sign load).
 */
export function shiftedClock(base: Clock, shift: ClockShift): ShiftedClock {
  let remembered: number | undefined;
  let generation = shiftGeneration;
  const forget = (): void => {
    remembered = undefined;
  };
  return {
    now: () => {
      if (remembered === undefined || generation !== shiftGeneration) {
        remembered = shift.offsetMs();
        generation = shiftGeneration;
        // The check phase runs right after the I/O callbacks of this turn; unref'd, it never keeps a
        // process alive.
        setImmediate(forget).unref();
      }
      return base.now() + remembered;
    },
    reload: () => {
      shiftGeneration++;
    },
  };
}
