import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import type { CliIO } from "../../io/streams.js";
import { UsageError } from "../errors.js";

// az's `@file` arguments (azure-cli core, _expand_file_prefixed_files): before anything else looks at
// the command line, every word that starts with `@` is replaced by the content of that file, and so is
// the part after the first `=` of a word (`--value=@v.txt`, `--tags note=@n.txt`). `@-` is standard
// input. A word with `@` further in (`user@example.com`), a bare `@`, or `@x=y` (the `@` is before the
// `=`) is left alone. The content is read as az's read_file_content does (UTF-8 with or without a BOM,
// then UTF-16, and base64 of the bytes for anything else) with trailing newlines removed.
//
// Where az cannot read the file it keeps the text as typed; kvkey refuses instead (naming the file),
// because a key, tag or policy silently set to the text "@pt.txt" is worse than an error. The one
// exception is --query: a JMESPath expression may start with `@` (`@.name`), and az passes it on too.

export async function expandFileArguments(args: readonly string[], io: CliIO, options: { stdin: boolean } = { stdin: true }): Promise<string[]> {
  const out: string[] = [];
  let stdin: Promise<string> | undefined;
  const readStdin = () => (stdin ??= readAll(io));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf("=");
    const [head, value] = eq >= 0 ? [`${arg.slice(0, eq)}=`, arg.slice(eq + 1)] : ["", arg];
    if (!value.startsWith("@") || value.length === 1) {
      out.push(arg);
      continue;
    }
    const path = value.slice(1);
    if (path === "-") {
      if (!options.stdin) throw new UsageError(`cannot read '${arg}': standard input is not available for @- inside kvkey shell; give a file (@path) instead.`);
      out.push(head + (await readStdin()));
      continue;
    }
    const content = readValueFile(path, io);
    if (typeof content === "string") {
      out.push(head + content);
      continue;
    }
    const flag = head.startsWith("-") ? head.slice(0, -1) : flagBefore(args, i);
    if (flag !== undefined && isQueryFlag(flag)) {
      out.push(arg);
      continue;
    }
    const where = flag === undefined ? "" : `argument ${flag}: `;
    throw new UsageError(
      `${where}cannot read the file '${path}' named by '${arg}': ${content.reason}. A value starting with @ is read from that file (@- reads standard input).`,
    );
  }
  return out;
}

function readValueFile(path: string, io: CliIO): string | { reason: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(resolvePath(path, io));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT" ? "the file does not exist" : code === "EISDIR" ? "it is a directory" : code === "EACCES" ? "permission denied" : (err as Error).message;
    return { reason };
  }
  return decodeLikeAz(bytes).replace(/\n+$/, "");
}

/** os.path.expanduser, then relative to the working directory. */
function resolvePath(path: string, io: CliIO): string {
  const home = io.env.HOME || homedir();
  const expanded = path === "~" ? home : path.startsWith("~/") ? join(home, path.slice(2)) : path;
  return isAbsolute(expanded) ? expanded : join(io.cwd, expanded);
}

/** azure-cli's read_file_content: utf-8-sig, utf-8, utf-16 (BOM or little-endian), utf-16le, utf-16be, then base64. */
export function decodeLikeAz(bytes: Uint8Array): string {
  const attempt = (encoding: string, keepBom: boolean, data: Uint8Array = bytes): string | undefined => {
    try {
      return new TextDecoder(encoding, { fatal: true, ignoreBOM: keepBom }).decode(data);
    } catch {
      return undefined;
    }
  };
  const utf16 = bytes[0] === 0xfe && bytes[1] === 0xff ? attempt("utf-16be", false) : attempt("utf-16le", false);
  return attempt("utf-8", false) ?? utf16 ?? attempt("utf-16le", true) ?? attempt("utf-16be", true) ?? Buffer.from(bytes).toString("base64");
}

async function readAll(io: CliIO): Promise<string> {
  if (!io.stdin) return "";
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk as Uint8Array));
  // Python reads stdin as text: universal newlines, then az strips the trailing ones.
  return Buffer.concat(chunks).toString("utf8").replace(/\r\n?/g, "\n").replace(/\n+$/, "");
}

/** The option a value belongs to: the nearest word before it that is a flag. */
function flagBefore(args: readonly string[], index: number): string | undefined {
  for (let i = index - 1; i >= 0; i--) {
    const word = args[i]!;
    if (word.startsWith("-") && !/^-\d/.test(word) && word.length > 1) return word.split("=")[0];
  }
  return undefined;
}

/** --query and its abbreviations (--q, --qu, ...), which argparse accepts too. */
function isQueryFlag(flag: string): boolean {
  return flag.length >= 3 && "--query".startsWith(flag);
}
