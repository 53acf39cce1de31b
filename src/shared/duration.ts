// Durations as Key Vault speaks them (ISO 8601: P90D, P1Y6M, PT48H) and as people type them on a
// command line (30d, 12h, 1d12h). Key Vault's service is .NET: an xsd:duration becomes a TimeSpan with
// a year of 365 days and a month of 30 days, so a rotation policy's P1M is 30 days, not "the same day
// next month". The emulator uses the same arithmetic, so schedules are plain second counts.

export interface Duration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

export const SECONDS_PER = { year: 365 * 86_400, month: 30 * 86_400, week: 7 * 86_400, day: 86_400, hour: 3_600, minute: 60 } as const;

const ISO = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** A strict ISO 8601 duration of whole numbers (`P90D`, `P1Y2M`, `PT12H`, `P1DT2H`); undefined otherwise. */
export function parseIsoDuration(text: string): Duration | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  // "P" and "P...T" with nothing after T are not durations.
  if (m.slice(1).every((g) => g === undefined)) return undefined;
  if (text.endsWith("T")) return undefined;
  const n = (i: number) => (m[i] === undefined ? 0 : Number(m[i]));
  const d: Duration = { years: n(1), months: n(2), weeks: n(3), days: n(4), hours: n(5), minutes: n(6), seconds: n(7) };
  return Object.values(d).every((v) => Number.isSafeInteger(v)) ? d : undefined;
}

const SIMPLE = /^(?:\d+[wdhms])+$/i;
const SIMPLE_PART = /(\d+)([wdhms])/gi;

/**
 * An ISO 8601 duration, or the short form `30d`, `12h`, `90m` (minutes), `45s`, `2w` and combinations
 * such as `1d12h`. Case-insensitive. Undefined for anything else.
 */
export function parseDuration(text: string): Duration | undefined {
  const trimmed = text.trim();
  const iso = parseIsoDuration(trimmed.toUpperCase());
  if (iso) return iso;
  if (!SIMPLE.test(trimmed)) return undefined;
  const d: Duration = { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 };
  for (const [, count, unit] of trimmed.matchAll(SIMPLE_PART)) {
    const value = Number(count);
    switch (unit!.toLowerCase()) {
      case "w":
        d.weeks += value;
        break;
      case "d":
        d.days += value;
        break;
      case "h":
        d.hours += value;
        break;
      case "m":
        d.minutes += value;
        break;
      case "s":
        d.seconds += value;
        break;
    }
  }
  return d;
}

/** Seconds in a duration, with .NET's year (365 days) and month (30 days). */
export function durationSeconds(d: Duration): number {
  return (
    d.years * SECONDS_PER.year +
    d.months * SECONDS_PER.month +
    d.weeks * SECONDS_PER.week +
    d.days * SECONDS_PER.day +
    d.hours * SECONDS_PER.hour +
    d.minutes * SECONDS_PER.minute +
    d.seconds
  );
}

/** Seconds -> the ISO 8601 duration in days and time (`P30D`, `P1DT12H`, `PT0S`); negative gets a leading minus. */
export function formatSeconds(total: number): string {
  const sign = total < 0 ? "-" : "";
  let rest = Math.abs(Math.trunc(total));
  const days = Math.floor(rest / SECONDS_PER.day);
  rest -= days * SECONDS_PER.day;
  const hours = Math.floor(rest / SECONDS_PER.hour);
  rest -= hours * SECONDS_PER.hour;
  const minutes = Math.floor(rest / SECONDS_PER.minute);
  const seconds = rest - minutes * SECONDS_PER.minute;
  let out = `${sign}P${days ? `${days}D` : ""}`;
  if (hours || minutes || seconds) out += `T${hours ? `${hours}H` : ""}${minutes ? `${minutes}M` : ""}${seconds ? `${seconds}S` : ""}`;
  return out === `${sign}P` ? "PT0S" : out;
}

/**
 * A short wait as people write it: `250ms`, `2s`, `1.5s`, `1m`, or a bare number of milliseconds.
 * Undefined for anything else (fault delays, the soft-delete delay of the Azure timing profile).
 */
export function parseMilliseconds(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? "ms").toLowerCase();
  return Math.round(Number(m[1]) * (unit === "m" ? 60_000 : unit === "s" ? 1_000 : 1));
}
