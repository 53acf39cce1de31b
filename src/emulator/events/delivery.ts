import type { EventStore, ClaimedDelivery } from "./event-store.js";

// Webhook delivery from the outbox (event_deliveries), at least once, the way Event Grid delivers
// (learn.microsoft.com/azure/event-grid/delivery-and-retry): one event per POST, as a JSON array of one;
// 2xx is delivered; 400, 401, 403 and 413 are not retried (dropped: the emulator has no dead-letter
// storage); anything else, no answer within the timeout or no connection is retried after 10 s, 30 s,
// 1 min, 5 min, 10 min, 30 min, 1 h, then hourly, with a little randomisation, until 30 attempts or 24 h.
//
// Any process with the data directory open may deliver: each claims due rows with a lease (one UPDATE in a
// write transaction), so two processes never post the same attempt at once; a process that dies mid-post
// leaves a lease that runs out, and another process retries. A subscriber can still see an event twice
// (the post landed but the answer was lost): at least once, as Event Grid promises. Retry times are wall
// clock, not the emulator clock: a time shift does not hurry a retry.

export interface DeliveryOptions {
  /** Waits before the 2nd, 3rd, ... attempt; the last one repeats. Event Grid's schedule by default. */
  retryDelaysMs?: readonly number[];
  /** How long one POST may take. Event Grid waits 30 s. */
  timeoutMs?: number;
  maxAttempts?: number;
  /** An event not delivered within this long (from when it was queued) is dropped. */
  timeToLiveMs?: number;
}

export const EVENT_GRID_RETRY_DELAYS_MS: readonly number[] = [10_000, 30_000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000];
const NOT_RETRIED = new Set([400, 401, 403, 413]);
const CLAIM_BATCH = 16;

export interface DeliveryReport {
  delivered: number;
  retrying: number;
  failed: number;
}

/** What one process does with the outbox. */
export class Deliverer {
  private readonly delays: readonly number[];
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly ttlMs: number;
  private running: Promise<DeliveryReport> | undefined;
  private again = false;
  /** close() was called: no new passes start. */
  private closing = false;
  /** The close grace ran out: the running pass claims nothing more. */
  private stopped = false;
  /** While closing, only what was due when close() was called: a retry it schedules waits for the next process. */
  private dueBefore: number | undefined;
  private readonly aborts = new Set<AbortController>();

  constructor(
    private readonly store: EventStore,
    private readonly write: <T>(fn: () => T) => T,
    options: DeliveryOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.delays = options.retryDelaysMs && options.retryDelaysMs.length > 0 ? options.retryDelaysMs : EVENT_GRID_RETRY_DELAYS_MS;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxAttempts = options.maxAttempts ?? 30;
    this.ttlMs = options.timeToLiveMs ?? 24 * 3_600_000;
  }

  /** Starts a delivery pass in the background (or asks the running one to look again). Never throws. */
  kick(): void {
    if (this.closing) return;
    if (this.running) {
      this.again = true;
      return;
    }
    void this.deliverDue().catch(() => undefined);
  }

  /** Attempts every delivery due now (and those that fall due while it runs); resolves when none is left. */
  deliverDue(): Promise<DeliveryReport> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const pass = this.passes().finally(() => {
      this.running = undefined;
    });
    this.running = pass;
    return pass;
  }

  private async passes(): Promise<DeliveryReport> {
    const report: DeliveryReport = { delivered: 0, retrying: 0, failed: 0 };
    do {
      this.again = false;
      for (;;) {
        if (this.stopped) break;
        const now = this.now();
        let claimed: ClaimedDelivery[];
        try {
          claimed = this.write(() => this.store.claim(this.dueBefore ?? now, now + this.timeoutMs + 5_000, CLAIM_BATCH));
        } catch {
          return report; // the store is busy or closed: the next pass (or process) picks the rows up
        }
        if (claimed.length === 0) break;
        const outcomes = await Promise.all(claimed.map((d) => this.attempt(d)));
        for (const o of outcomes) report[o]++;
      }
    } while (this.again && !this.stopped);
    return report;
  }

  private async attempt(d: ClaimedDelivery): Promise<keyof DeliveryReport> {
    const abort = new AbortController();
    this.aborts.add(abort);
    const timer = setTimeout(() => abort.abort(), this.timeoutMs);
    let status: number | undefined;
    let error: string;
    try {
      const response = await fetch(d.endpoint, {
        method: "POST",
        headers: {
          "content-type": "application/json; charset=utf-8",
          "aeg-event-type": "Notification",
          "aeg-subscription-name": d.subscription.toUpperCase(),
          "aeg-delivery-count": String(d.attempts),
          "aeg-data-version": "1",
          "aeg-metadata-version": "1",
          "aeg-output-event-id": d.eventId,
        },
        body: `[${d.body}]`,
        signal: abort.signal,
      });
      status = response.status;
      // Drain the body so the connection can be reused; its content is not needed.
      await response.arrayBuffer().catch(() => undefined);
      error = `HTTP ${status}`;
    } catch (err) {
      error = abort.signal.aborted ? `no answer within ${Math.round(this.timeoutMs / 1000)} s` : describe(err);
    } finally {
      clearTimeout(timer);
      this.aborts.delete(abort);
    }
    const now = this.now();
    try {
      if (status !== undefined && status >= 200 && status < 300) {
        this.write(() => this.store.finishDelivery(d.eventSeq, d.subscription, "delivered", now));
        return "delivered";
      }
      const attempts = d.attempts + 1;
      if ((status !== undefined && NOT_RETRIED.has(status)) || attempts >= this.maxAttempts || now - d.created >= this.ttlMs) {
        this.write(() => this.store.finishDelivery(d.eventSeq, d.subscription, "failed", now, error));
        return "failed";
      }
      const base = this.delays[Math.min(attempts - 1, this.delays.length - 1)]!;
      const next = now + Math.round(base * (1 + Math.random() * 0.1));
      this.write(() => this.store.retryDelivery(d.eventSeq, d.subscription, next, now, error));
      return "retrying";
    } catch {
      // The store went away (closed or busy): the lease runs out and the delivery is attempted again.
      return "retrying";
    }
  }

  /**
   * For close(): delivers what is due now (the events this process raised last, typically), then stops.
   * After `graceMs` the attempts in flight are aborted (and retried later by whichever process runs next).
   * Undefined when there is nothing to do, so the caller may close the store at once.
   */
  drain(graceMs: number): Promise<void> | undefined {
    this.closing = true;
    this.dueBefore = this.now();
    let running = this.running;
    if (!running) {
      let due = false;
      try {
        due = this.store.hasDueDeliveries(this.now());
      } catch {
        due = false;
      }
      if (!due) return undefined;
      running = this.deliverDue();
    }
    const timer = setTimeout(() => {
      this.stopped = true;
      for (const abort of this.aborts) abort.abort();
    }, graceMs);
    return running.then(
      () => clearTimeout(timer),
      () => clearTimeout(timer),
    );
  }
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  return err instanceof Error ? err.message : String(err);
}
