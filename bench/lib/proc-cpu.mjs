// CPU time from Linux's /proc, so a bench can say how much CPU each request cost, which a busy
// machine does not change much, beside how many requests per second it got, which it does.
import { readFileSync, readdirSync } from "node:fs";

const TICK_MS = 10; // USER_HZ is 100 on Linux.

function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(fields[1]), utime: Number(fields[11]), stime: Number(fields[12]), cutime: Number(fields[13]), cstime: Number(fields[14]) };
  } catch {
    return undefined;
  }
}

/** CPU milliseconds used so far by a process and all its live descendants. */
export function treeCpuMs(rootPid) {
  const parents = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(entry);
    if (s) parents.set(Number(entry), s);
  }
  let total = 0;
  const visit = (pid) => {
    const s = parents.get(pid);
    if (!s) return;
    total += (s.utime + s.stime) * TICK_MS;
    for (const [child, cs] of parents) if (cs.ppid === pid) visit(child);
  };
  visit(rootPid);
  return total;
}

/** CPU milliseconds of this process's children that have exited and been waited for. */
export function reapedChildrenCpuMs() {
  const s = stat(process.pid);
  return s ? (s.cutime + s.cstime) * TICK_MS : NaN;
}
