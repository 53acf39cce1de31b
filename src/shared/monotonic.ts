// A monotonic clock in milliseconds for durations (command timing, request latency, cache ages).
// process.hrtime is always loaded; the `performance` global loads perf_hooks (about 2 ms of every
// kvkey start) the first time it is touched.
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
