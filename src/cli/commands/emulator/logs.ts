import { defineCommand, type RawOptions } from "../../spec.js";
import { UsageError, ValidationError } from "../../errors.js";
import { integer } from "../../args/values.js";
import type { CommandContext } from "../../context.js";
import { auditLine, auditTable } from "../../views/monitoring-tables.js";
import { renderForTerminal, streamFormat } from "../../views/tty-table.js";
import { DATA_DIR_OPTION, dataDirOf, parseSince, sinceMs, vaultFilter, type Since } from "../../args/emulator-options.js";
import type { AuditQuery, AuditRow, Emulator } from "../../../emulator/index.js";
import { ALL_OPERATION_NAMES } from "../../../shared/audit-operations.js";
import { rawList, rawString } from "../../args/raw.js";
import { openDataDirEmulator, withDataDirEmulator } from "../../local-emulator.js";

// `kvkey emulator logs`: the emulator's audit log — every data-plane request, in Key Vault's AuditEvent
// shape (docs/monitoring.md). Reads the data directory's database, so it sees what the embedded vault
// and a served emulator on the same directory did.

const FOLLOW_POLL_MS = 300;
const FOLLOW_DEFAULT_TOP = 10;

function operations(raw: RawOptions): string[] | undefined {
  const values = rawList(raw, "operation");
  if (values === undefined) return undefined;
  const out: string[] = [];
  for (const value of values.flatMap((v) => v.split(","))) {
    const name = value.trim();
    if (name === "") continue;
    const found = ALL_OPERATION_NAMES.find((o) => o.toLowerCase() === name.toLowerCase());
    if (!found) throw new UsageError(`argument --operation: '${name}' is not an operation name. Known names: ${ALL_OPERATION_NAMES.join(", ")}.`);
    out.push(found);
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const emulatorLogsCommand = defineCommand({
  path: ["emulator", "logs"],
  summary: "Show the emulator's audit log: every key operation, who asked, and how it ended.",
  description:
    "Every data-plane request the emulator answers (the embedded vault and `kvkey emulator start` alike) is recorded with Key Vault's " +
    "AuditEvent operation name (KeyCreate, KeySign, KeyDecrypt, ...), the caller's token claims, the key and version, the HTTP status, the " +
    "caller's IP address when served, and the time on the emulator clock; never a request's payload or key material. -o json prints " +
    "Azure's AuditEvent field names. A table on a terminal.",
  options: [
    { flags: "--key <name>", help: "Only this key's records (case-insensitive)." },
    {
      flags: "--operation <names...>",
      help: "Only these operations (AuditEvent operationName, e.g. KeySign KeyDecrypt; case-insensitive, space- or comma-separated).",
    },
    { flags: "--since <time>", help: "Only records from this long ago on the emulator clock (30m, 12h, P1D) or from this UTC datetime on." },
    { flags: "--failed", help: "Only failed requests (HTTP 400 and up, and dropped connections)." },
    { flags: "--faults", help: "Only requests an emulator fault rule hit (`kvkey emulator fault`); the rule and what it did are in properties.injectedFault." },
    {
      flags: "--challenges",
      help: "Include the 401 challenge answered to every request sent without a token (each SDK client's first request; Azure logs them too).",
    },
    { flags: "--vault-name <name>", help: "Only this key vault's records.", complete: "vault-names" },
    { flags: "--hsm-name <name>", help: "Only this managed HSM's records.", complete: "hsm-names" },
    { flags: "--top <n>", help: "Only the last N matching records.", defaultText: "all; 10 with --follow" },
    { flags: "-f, --follow", help: "Keep printing new records as they arrive (one per line: JSON Lines, or text on a terminal) until Ctrl-C." },
    DATA_DIR_OPTION,
  ],
  examples: [
    { title: "Everything that happened to one key.", command: "kvkey emulator logs --key mykey" },
    { title: "Failed requests of the last hour, as AuditEvent JSON.", command: "kvkey emulator logs --failed --since 1h -o json" },
    { title: "Who decrypted with which key?", command: "kvkey emulator logs --operation KeyDecrypt KeyUnwrap --query \"[].{who: identity.claim.sub, key: properties.id}\"" },
    { title: "Watch a served emulator's requests live.", command: "kvkey emulator logs --follow" },
    { title: "Every request a fault rule hit, and what it did.", command: "kvkey emulator logs --faults --query \"[].{op: operationName, fault: properties.injectedFault}\"" },
  ],
  parse(raw, { cwd }) {
    const top = integer("--top", rawString(raw, "top"));
    if (top !== undefined && top < 1) throw new UsageError(`argument --top: must be a positive integer, not ${top}`);
    const ops = operations(raw);
    const vault = vaultFilter(raw);
    const key = rawString(raw, "key");
    return {
      key,
      operations: ops,
      since: parseSince(rawString(raw, "since")),
      failed: raw.failed === true,
      faults: raw.faults === true,
      challenges: raw.challenges === true,
      vault,
      top,
      follow: raw.follow === true,
      dataDir: dataDirOf(raw, cwd),
    };
  },
  async run(o, ctx) {
    if (o.follow && ctx.globals.query !== undefined) throw new ValidationError("--query does not apply to --follow: filter with --key, --operation, --failed.");
    const query: AuditQuery = {
      ...(o.key !== undefined ? { key: o.key } : {}),
      ...(o.operations ? { operations: o.operations } : {}),
      ...(o.failed ? { failed: true } : {}),
      ...(o.faults ? { faults: true } : {}),
      ...(o.challenges ? {} : { challenges: false }),
      ...(o.vault ? { vault: o.vault } : {}),
    };
    if (o.follow) return followAudit(ctx, await openDataDirEmulator(ctx, o.dataDir), query, o.since, o.top ?? FOLLOW_DEFAULT_TOP);
    return withDataDirEmulator(ctx, o.dataDir, (emulator) => {
      const since = sinceMs(o.since, emulator.now());
      const records = emulator.audit.query({ ...query, ...(since !== undefined ? { since } : {}), ...(o.top !== undefined ? { last: o.top } : {}) });
      return renderForTerminal(ctx, records, auditTable);
    });
  },
  textOutput: true,
  tableView: auditTable,
});

/**
 * The last `top` records, then every new one, until Ctrl-C (polling the table: other processes write
 * it). A stream of text that runCli writes as it comes; the emulator closes when the stream ends.
 */
async function* followAudit(ctx: CommandContext, emulator: Emulator, base: AuditQuery, sinceOption: Since | undefined, top: number): AsyncGenerator<string> {
  const format = streamFormat(ctx);
  const text = (rows: AuditRow[]) =>
    rows
      .map((row) => emulator.audit.toEvent(row))
      .map((record) => (format === "jsonl" ? JSON.stringify(record) : auditLine(record, format)) + "\n")
      .join("");
  let stopped = false;
  const remove = ctx.io.onInterrupt?.(() => {
    stopped = true;
  });
  try {
    const since = sinceMs(sinceOption, emulator.now());
    const query: AuditQuery = since === undefined ? base : { ...base, since };
    const newest = () => emulator.audit.rows({ last: 1 })[0]?.id ?? 0;
    // Every read is bounded by the newest id seen just before it, so a record written meanwhile is read
    // by the next poll, never skipped.
    let cursor = newest();
    yield text(emulator.audit.rows({ ...query, upToId: cursor, last: top }));
    while (!stopped) {
      await sleep(FOLLOW_POLL_MS);
      if (stopped) break;
      const upTo = newest();
      if (upTo > cursor) yield text(emulator.audit.rows({ ...query, afterId: cursor, upToId: upTo }));
      cursor = Math.max(cursor, upTo);
    }
  } finally {
    remove?.();
    emulator.close();
  }
}
