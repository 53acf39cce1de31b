import { splitLine } from "../completion/words.js";
import { COMMANDS } from "../registry.js";
import { GLOBAL_OPTIONS } from "../globals.js";
import { closest } from "../suggest.js";

// `kvkey shell` keeps its history in a file ($KVKEY_HOME/shell_history) that outlives the session and
// is read back on the next start. A line such as `import ... --pem-password hunter2` must not leave the
// password there, so the values of flags that carry secrets are replaced before a line is written.
// The in-memory history of the running session keeps the line as typed (the person just typed it).

export const REDACTED = "***";

/** Flags whose value is a secret whatever the command: passwords, key material, tokens. */
const SECRET_FLAGS = new Set([
  "--pem-password", // import: the PEM file's password
  "--key-password", // byok-blob: the target key file's password
  "--pem-string", // import: a private key in the command line itself
  "--byok-string", // import: a BYOK transfer blob (wrapped key material)
  "--storage-container-SAS-token", // restore: a storage-account credential
  "-t", // restore's short form of it (no other command has -t)
  "--target", // release: the attestation token that lets a key be released
  "--data", // sign, verify: the text to be signed
]);

/** `--value` is the plaintext or ciphertext of encrypt/decrypt/wrap-key/unwrap-key... */
const VALUE_FLAG = "--value";
/** ...but a rotation policy (`rotation-policy update --value`) is worth recalling as typed. */
const VALUE_NOT_SECRET = new Set(["rotation-policy"]);

const SECRET_LONG_FLAGS = [...SECRET_FLAGS, VALUE_FLAG].filter((f) => f.startsWith("--"));

let knownFlags: Set<string> | undefined;
/** Every long flag some command (or every command) declares. */
function isKnownFlag(flag: string): boolean {
  knownFlags ??= new Set(
    [...COMMANDS.flatMap((c) => c.options), ...GLOBAL_OPTIONS].flatMap((o) => o.flags.split(/[ ,]+/).filter((f) => f.startsWith("--"))),
  );
  return knownFlags.has(flag);
}

function isSecretFlag(flag: string, command: string | undefined): boolean {
  if (SECRET_FLAGS.has(flag)) return true;
  if (flag === VALUE_FLAG) return !(command !== undefined && VALUE_NOT_SECRET.has(command));
  if (!/^--[^-]{2}/.test(flag) || isKnownFlag(flag)) return false;
  const name = flag.split("=")[0]!;
  // argparse (so kvkey) takes any unambiguous prefix of a long flag: `--pem-pass` is --pem-password.
  // A flag no command has, typed close to a secret one (`--pem-pasword`), is taken for it too: the
  // command fails with "unrecognized arguments", but the secret after it must not be kept. Hiding a
  // value too many is the safe mistake.
  const meant = SECRET_LONG_FLAGS.find((secret) => secret.startsWith(name)) ?? closest(name, SECRET_LONG_FLAGS);
  if (meant === undefined) return false;
  if (SECRET_FLAGS.has(meant)) return true;
  return meant === VALUE_FLAG && !(command !== undefined && VALUE_NOT_SECRET.has(command));
}

/** The command word of a shell line: `encrypt`, also behind `kvkey` or `az keyvault key`. */
function commandOf(words: readonly string[]): string | undefined {
  let i = 0;
  if (words[i] === "kvkey" || words[i] === "az") i++;
  if (words[i] === "keyvault" && words[i + 1] === "key") i += 2;
  return words[i];
}

/**
 * The line with every secret flag value replaced by `***` (`--pem-password ***`,
 * `--pem-password=***`, `-t***`); everything else exactly as typed, quotes included. A line with an
 * unterminated quote is handled too: its last word runs to the end of the line.
 */
export function redactSecrets(line: string): string {
  const { words, spans } = splitLine(line);
  const command = commandOf(words);
  const replacements: Array<{ start: number; end: number; text: string }> = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const span = spans[i]!;
    const eq = word.startsWith("--") ? word.indexOf("=") : -1;
    if (eq > 0 && isSecretFlag(word.slice(0, eq), command)) {
      replacements.push({ ...span, text: `${word.slice(0, eq)}=${REDACTED}` });
    } else if (isSecretFlag(word, command)) {
      const value = spans[i + 1];
      if (value) replacements.push({ ...value, text: REDACTED });
      i++;
    } else if (/^-[a-zA-Z]./.test(word) && isSecretFlag(word.slice(0, 2), command)) {
      // argparse also reads a short flag's value glued to it: -tTOKEN.
      replacements.push({ ...span, text: `${word.slice(0, 2)}${REDACTED}` });
    }
  }
  let out = line;
  for (const r of replacements.reverse()) out = out.slice(0, r.start) + r.text + out.slice(r.end);
  return out;
}
