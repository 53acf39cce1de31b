// The shell's input: lines from readline, read in order by the command loop and by a command's own
// y/N question alike, and Ctrl-C ending whichever wait is current.

/** A line typed for the loop, with the Ctrl-C count when it was entered (a later Ctrl-C cancels it). */
export interface Entered {
  text: string;
  interrupts: number;
  /** Typed at the prompt rather than as an answer (counted in waitingLines until someone reads it). */
  forLoop: boolean;
}

/** What a waiting reader gets when Ctrl-C cancels its wait (a confirmation question). */
export const INTERRUPTED = Symbol("Ctrl-C");

/** Lines from readline, consumed in order by the loop and by confirmation questions alike. */
export class LineQueue {
  private readonly queued: Entered[] = [];
  private waiting: ((line: Entered | undefined | typeof INTERRUPTED) => void) | undefined;
  private ended = false;

  push(line: Entered): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting(line);
    else this.queued.push(line);
  }

  end(): void {
    this.ended = true;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.(undefined);
  }

  /** Ends the current wait with INTERRUPTED; true when someone was waiting. */
  interrupt(): boolean {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.(INTERRUPTED);
    return waiting !== undefined;
  }

  next(): Promise<Entered | undefined | typeof INTERRUPTED> {
    if (this.queued.length) return Promise.resolve(this.queued.shift());
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }
}
