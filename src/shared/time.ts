// The service speaks integer Unix seconds; JavaScript speaks milliseconds.

export function toUnixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

export function fromUnixSeconds(seconds: number): Date {
  return new Date(seconds * 1000);
}

export const SECONDS_PER_DAY = 86_400;
