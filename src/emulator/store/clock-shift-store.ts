import type Database from "better-sqlite3";

// The emulator clock's shift (`kvkey emulator time-shift`; table `clock`, migration 2): in the database,
// so every process on the data directory sees the same emulator time.

export class ClockShiftStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      clockOffset: db.prepare("SELECT offset_ms FROM clock WHERE id = 1").pluck(),
      setClockOffset: db.prepare("UPDATE clock SET offset_ms = ? WHERE id = 1"),
      addClockOffset: db.prepare("UPDATE clock SET offset_ms = offset_ms + ? WHERE id = 1 RETURNING offset_ms").pluck(),
    };
  }

  /** One prepared single-row read: cheap enough for every clock reading. */
  clockOffsetMs(): number {
    return (this.stmts.clockOffset.get() as number | undefined) ?? 0;
  }

  setClockOffsetMs(offsetMs: number): void {
    this.stmts.setClockOffset.run(Math.trunc(offsetMs));
  }

  /** Adds to the shift in one statement (two processes shifting at once both count); returns the new shift. */
  addClockOffsetMs(deltaMs: number): number {
    return this.stmts.addClockOffset.get(Math.trunc(deltaMs)) as number;
  }
}
