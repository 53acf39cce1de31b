import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { COMMANDS } from "../../src/cli/registry.js";
import { parseArgs } from "../../src/cli/parser.js";
import { CliError } from "../../src/cli/errors.js";
import type { CommandSpec, OptionSpec } from "../../src/cli/spec.js";
import { AZ_ERROR_CONTINUATION, kvkey, type CliRun } from "../helpers/cli.js";
import { patient } from "../helpers/patience.js";

// Bad flags and values fed to EVERY registered command (COMMANDS, so a new command is covered the day
// it is added): an unknown flag, a stray word, each flag without its value, each enum flag with a value
// outside its choices, each value flag with junk (bad ints, dates, ids, URLs, NUL bytes, 4 000
// characters), conflicting id arguments. Whenever the command refuses, it must exit 1 or 2 with exactly
// one ERROR line on stderr naming the problem, no stack trace, and nothing on stdout.
//
// A case is run only when it cannot start long-running work: parse() must refuse it, or the command
// must be one that finishes by itself (LONG_RUNNING ones are judged through parse alone).

/** Valid arguments for each command, so that the fault a case injects is the only thing wrong. */
const BASES: Record<string, string[]> = {
  assess: ["--vault-name", "v"],
  backup: ["--vault-name", "v", "-n", "k", "-f", "out.bin"],
  "byok-blob": ["--key-file", "key.pem", "--kek-id", "https://v.vault.localhost/keys/kek", "-f", "out.byok"],
  create: ["--vault-name", "v", "-n", "k", "--kty", "EC"],
  decrypt: ["--vault-name", "v", "-n", "k", "-a", "RSA-OAEP", "--value", "AAAA"],
  delete: ["--vault-name", "v", "-n", "k", "-y"],
  download: ["--vault-name", "v", "-n", "k", "-f", "out.pem"],
  encrypt: ["--vault-name", "v", "-n", "k", "-a", "RSA-OAEP", "--value", "AAAA"],
  "get-attestation": ["--hsm-name", "h", "-n", "k"],
  "get-policy-template": [],
  import: ["--vault-name", "v", "-n", "k", "--pem-file", "key.pem"],
  list: ["--vault-name", "v"],
  "list-deleted": ["--vault-name", "v"],
  "list-versions": ["--vault-name", "v", "-n", "k"],
  purge: ["--vault-name", "v", "-n", "k", "-y"],
  random: ["--hsm-name", "h", "--count", "8"],
  recover: ["--vault-name", "v", "-n", "k"],
  release: ["--hsm-name", "h", "-n", "k", "--target", "a.b.c"],
  restore: ["--vault-name", "v", "-f", "backup.bin"],
  rotate: ["--vault-name", "v", "-n", "k"],
  "rotation-policy show": ["--vault-name", "v", "-n", "k"],
  "rotation-policy update": ["--vault-name", "v", "-n", "k", "--value", "policy.json"],
  "set-attributes": ["--vault-name", "v", "-n", "k", "--enabled", "true"],
  show: ["--vault-name", "v", "-n", "k"],
  "show-deleted": ["--vault-name", "v", "-n", "k"],
  sign: ["--vault-name", "v", "-n", "k", "-a", "RS256", "--data", "x"],
  "unwrap-key": ["--vault-name", "v", "-n", "k", "-a", "RSA-OAEP", "--value", "AAAA"],
  verify: ["--vault-name", "v", "-n", "k", "-a", "RS256", "--data", "x", "--signature", "AAAA"],
  "wrap-key": ["--vault-name", "v", "-n", "k", "-a", "RSA-OAEP", "--value", "AAAA"],
  "cloud list": [],
  "cloud set": ["-n", "Local"],
  "cloud show": [],
  "emulator attestation-token": ["--runtime-key", "tee.pem"],
  "emulator ca": [],
  "emulator events list": [],
  "emulator events subscribe": ["--endpoint", "https://localhost:1/hook"],
  "emulator events subscriptions": [],
  "emulator events unsubscribe": ["-n", "x"],
  "emulator fault clear": [],
  "emulator fault list": [],
  "emulator fault set": ["op=sign,status=503"],
  "emulator logs": [],
  "emulator role assignment create": ["--vault-name", "v", "--role", "Key Vault Reader", "--scope", "/", "--assignee-object-id", "11111111-2222-3333-4444-555555555555"],
  "emulator role assignment delete": ["--vault-name", "v"],
  "emulator role assignment list": ["--vault-name", "v"],
  "emulator role definition list": ["--vault-name", "v"],
  "emulator security-domain download": ["--hsm-name", "h", "--sd-wrapping-keys", "key.pem", "--sd-quorum", "2", "--security-domain-file", "sd.json"],
  "emulator security-domain upload": ["--hsm-name", "h", "--sd-wrapping-keys", "key.pem", "--sd-file", "backup.bin"],
  "emulator start": [],
  "emulator status": [],
  "emulator stop": [],
  "emulator time-shift": [],
  "emulator token": [],
  "emulator vault create": ["-n", "v"],
  "emulator vault delete": ["-n", "v"],
  "emulator vault list": [],
  "emulator vault show": ["-n", "v"],
  "config get": [],
  "config list": [],
  "config set": ["core.output=json"],
  "config unset": ["core.output"],
  completion: ["bash"],
  shell: [],
};

/** Commands that serve, follow or read stdin until stopped: their cases are judged by parse() alone. */
const LONG_RUNNING = new Set(["emulator start", "shell", "emulator logs"]);

/** Junk for any flag that takes a value. Every one is put to parse(); the command runs only on a refusal... */
const JUNK = ["", "junk value", "-1", "1.5", "99999999999999999999", "2020-13-45", "not-a-url", "https://v.vault.localhost/secrets/s", "a\u0000b", "x".repeat(4000)];
/** ...or for these, which parse may rightly accept and the command must then refuse cleanly when it runs. */
const JUNK_RUN = new Set(["", "junk value", "https://v.vault.localhost/secrets/s", "x".repeat(4000)]);
/** Flags whose values are integers or datetimes: junk must be refused, not passed on. */
const INT_PLACEHOLDER = /<(n|count|bits|port|days|size)>/;
const DATE_PLACEHOLDER = /<datetime>/;

/** Warnings a refused command may print before its one ERROR line (az prints them too). */
const ALLOWED_WARNINGS = [/^WARNING: This command is in preview/, /^WARNING: Argument '[^']+' is in preview/, /^WARNING: Warning! If you have soft-delete protection enabled/, /^https:\/\/learn\.microsoft\.com\/azure\/key-vault\/general\/soft-delete-overview$/];

/** az's verbatim messages that do not repeat the flag or the value (kept as az words them). */
const AZ_MESSAGES_WITHOUT_FLAG = [
  /^Invalid base64-encoded string: number of data characters/,
  /^incorrect usage: --id ID \| --vault-name/,
  /^invalid id: The collection "[^"]*" does not match/,
  /^Do not use --file\/-f with any of --storage-account-name/,
];

/** What a refusal at run time must never look like: an internal error passed through. */
const INTERNAL = [/^Invalid URL/, /must be a string.*without null bytes/, /^E[A-Z]{3,}: [^']*$/, /datatype mismatch/i, /SQLITE_/, /Cannot read propert/, /is not a function/, /undefined|\[object Object\]/];

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "kvkey-args-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();

function workspace(name: string): string {
  const dir = mkdtempSync(join(root, `${name.replace(/\W+/g, "-")}-`));
  writeFileSync(join(dir, "key.pem"), pem, { mode: 0o600 });
  writeFileSync(join(dir, "tee.pem"), pem, { mode: 0o600 });
  writeFileSync(join(dir, "backup.bin"), "not a backup");
  writeFileSync(join(dir, "policy.json"), JSON.stringify({ lifetimeActions: [] }));
  return dir;
}

const name = (spec: CommandSpec) => spec.path.join(" ");
const longFlag = (o: OptionSpec) => o.flags.split(/[ ,]+/).find((f) => f.startsWith("--"))!;
const shortFlag = (o: OptionSpec) => o.flags.split(/[ ,]+/).find((f) => /^-[a-zA-Z]$/.test(f));
const takesValue = (o: OptionSpec) => /<[^>]+>/.test(o.flags);

/** The base without any spelling of this option (and its values). */
function without(base: string[], option: OptionSpec): string[] {
  const spellings = new Set([longFlag(option), shortFlag(option)].filter(Boolean));
  const out: string[] = [];
  for (let i = 0; i < base.length; i++) {
    if (spellings.has(base[i]!)) {
      // Skip its values: everything up to the next flag.
      while (i + 1 < base.length && !base[i + 1]!.startsWith("-")) i++;
      continue;
    }
    out.push(base[i]!);
  }
  return out;
}

/** Whether parse (the argparse port, then the command's own validators) refuses the arguments. */
function parseRefuses(spec: CommandSpec, args: string[], cwd: string): boolean {
  try {
    const raw = parseArgs(spec, args);
    if (raw.help) return false;
    spec.parse(raw, { commandName: `kvkey ${name(spec)}`, cwd });
    return false;
  } catch (err) {
    if (err instanceof CliError) return true;
    throw new Error(`parse of \`kvkey ${name(spec)} ${args.join(" ")}\` threw a non-CLI error: ${(err as Error).stack}`);
  }
}

interface Case {
  label: string;
  args: string[];
  /** The problem the one error line must name (any one of these strings). */
  names: string[];
  /** The case must be refused (a bad int, date, enum, flag...); otherwise only a refusal is judged. */
  mustRefuse: boolean;
  exit?: number;
  /** The junk value this case puts in. */
  junk?: string;
}

function casesFor(spec: CommandSpec, base: string[]): Case[] {
  const cases: Case[] = [];
  cases.push({ label: "unknown flag", args: [...base, "--no-such-flag"], names: ["--no-such-flag"], mustRefuse: true, exit: 2 });
  if (!spec.args?.length) cases.push({ label: "stray word", args: [...base, "stray-word"], names: ["stray-word"], mustRefuse: true, exit: 2 });
  for (const option of spec.options) {
    const flag = longFlag(option);
    const spelled = [flag, shortFlag(option)].filter((f): f is string => f !== undefined);
    const rest = without(base, option);
    if (takesValue(option)) {
      cases.push({ label: `${flag} without its value`, args: [...rest, flag], names: spelled, mustRefuse: true, exit: 2 });
      for (const junk of JUNK) {
        const typed = INT_PLACEHOLDER.test(option.flags) || DATE_PLACEHOLDER.test(option.flags);
        const mustRefuse = typed && junk !== "-1" && !(INT_PLACEHOLDER.test(option.flags) && junk === "99999999999999999999");
        cases.push({ label: `${flag} ${JSON.stringify(junk.length > 20 ? `${junk.slice(0, 12)}...(${junk.length})` : junk)}`, args: [...rest, flag, junk], names: [...spelled, junk], mustRefuse, junk });
      }
    }
    if (option.choices) {
      cases.push({ label: `${flag} outside its choices`, args: [...rest, flag, "not-a-choice"], names: ["not-a-choice"], mustRefuse: true, exit: 2 });
    }
  }
  const has = (f: string) => spec.options.some((o) => longFlag(o) === f);
  if (has("--id")) {
    const idBase = base.filter((_, i) => !["--vault-name", "--hsm-name"].includes(base[i]!) && !["--vault-name", "--hsm-name"].includes(base[i - 1]!));
    const noName = idBase.filter((_, i) => !["-n", "--name"].includes(idBase[i]!) && !["-n", "--name"].includes(idBase[i - 1]!));
    cases.push({ label: "--id that is not a URL", args: [...noName, "--id", "not a url"], names: ["not a url"], mustRefuse: true });
    cases.push({ label: "--id with a non-https scheme", args: [...noName, "--id", "ftp://v.vault.localhost/keys/k"], names: ["ftp://v.vault.localhost/keys/k"], mustRefuse: true });
    if (has("--vault-name")) {
      cases.push({ label: "--id with --vault-name", args: [...noName, "--id", "https://v.vault.localhost/keys/k", "--vault-name", "v"], names: ["--id", "--vault-name"], mustRefuse: true, exit: 1 });
    }
  }
  if (has("--vault-name") && has("--hsm-name")) {
    const vaultBase = base.includes("--vault-name") ? base : [...base, "--vault-name", "v"];
    cases.push({ label: "--vault-name with --hsm-name", args: [...vaultBase, "--hsm-name", "h"], names: ["--vault-name", "--hsm-name"], mustRefuse: true, exit: 1 });
  }
  return cases;
}

/** What is wrong with a refused run, or undefined. `parseRefused`: the fault itself was the refusal, so the message must name it. */
function judge(c: Case, run: CliRun, command: string, parseRefused: boolean): string | undefined {
  if (run.code === 0) return c.mustRefuse ? "exit 0: the bad value was accepted" : undefined;
  const problems: string[] = [];
  // az exits 3 on a 404 for every command whose last word is `show` (rotation-policy show too).
  const service404 = command.split(" ").at(-1) === "show" && run.code === 3 && /^ERROR: \((KeyNotFound|VaultNotFound)\)/.test(run.stderr);
  if (run.code !== 1 && run.code !== 2 && !service404) problems.push(`exit ${run.code}`);
  if (c.exit !== undefined && run.code !== c.exit) problems.push(`exit ${run.code}, expected ${c.exit}`);
  if (run.stdout !== "") problems.push(`stdout: ${JSON.stringify(run.stdout.slice(0, 200))}`);
  if (/\n\s+at .*[(:]/.test(run.stderr)) problems.push("a stack trace");
  // az's continuation lines (a service error's Code:/Message:, "Did you mean ...") belong to the one error.
  const lines = run.stderr
    .trimEnd()
    .split("\n")
    .filter((l, i, all) => !ALLOWED_WARNINGS.some((w) => w.test(l)) && !(i > 0 && all[i - 1] !== undefined && AZ_ERROR_CONTINUATION.test(l)));
  if (lines.length !== 1 || !lines[0]!.startsWith("ERROR: ")) problems.push(`stderr is not one ERROR line: ${JSON.stringify(run.stderr.slice(0, 400))}`);
  else {
    const message = lines[0]!.slice("ERROR: ".length);
    const internal = INTERNAL.find((m) => m.test(message));
    if (internal) problems.push(`an internal error passed through (${internal}): ${message.slice(0, 300)}`);
    // An empty value is named by its quotes.
    const named = c.names.some((n) => (n === "" ? message.includes("''") || message.includes('""') : message.includes(n.slice(0, 100)))) || AZ_MESSAGES_WITHOUT_FLAG.some((m) => m.test(message));
    if (parseRefused && !named) problems.push(`the message names none of ${JSON.stringify(c.names.map((n) => n.slice(0, 30)))}: ${message.slice(0, 300)}`);
  }
  return problems.length ? problems.join("; ") : undefined;
}

async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms} ms`)), ms)));
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe("every registered command has a base its faults are measured against", () => {
  test.each(COMMANDS.map((c) => [name(c), c] as const))("%s", (command, spec) => {
    const base = BASES[command];
    expect(base, `add valid arguments for \`kvkey ${command}\` to BASES in this file`).toBeDefined();
    expect(parseRefuses(spec, base!, workspace(command)), `the base \`kvkey ${command} ${base!.join(" ")}\` must parse`).toBe(false);
  });
});

describe("bad flags and values: one ERROR line naming the problem, exit 1 or 2, nothing on stdout", () => {
  test.each(COMMANDS.map((c) => [name(c), c] as const))("%s", async (command, spec) => {
    const base = BASES[command];
    if (!base) return; // reported by the test above
    const home = workspace(command);
    const failures: string[] = [];
    let refused = 0;
    for (const c of casesFor(spec, base)) {
      const args = [...spec.path, ...c.args];
      const parseRefused = parseRefuses(spec, c.args, home);
      if (!parseRefused && (LONG_RUNNING.has(command) || (c.junk !== undefined && !JUNK_RUN.has(c.junk)))) {
        if (c.mustRefuse) failures.push(`${c.label}: \`kvkey ${args.join(" ").slice(0, 200)}\` was accepted by parse`);
        continue;
      }
      const run = await within(patient(15_000), `kvkey ${args.join(" ").slice(0, 200)}`, kvkey(args, { home, cwd: home, env: { HOME: home } }));
      if (run.code !== 0) refused++;
      const problem = judge(c, run, command, parseRefused);
      if (problem) failures.push(`${c.label}: \`kvkey ${args.join(" ").slice(0, 200)}\`: ${problem}`);
    }
    expect(failures, failures.join("\n")).toEqual([]);
    expect(refused).toBeGreaterThan(0);
  }, patient(60_000));
});
