import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { RestError } from "@azure/core-rest-pipeline";
import { cliIn, errorLine } from "../helpers/cli.js";
import { normalizeError } from "../../src/cli/error-report.js";
import { exitCodeFor } from "../../src/cli/errors.js";
import { tempDataDir } from "../helpers/emulator.js";

// The error rows of az's reference that apply to the lifecycle commands: message on stderr (one line,
// prefixed ERROR:), nothing on stdout, and az's exit code.

let home: { dir: string; cleanup: () => void };
let cli: ReturnType<typeof cliIn>;

beforeAll(async () => {
  home = tempDataDir();
  cli = cliIn(home.dir);
  await cli(["create", "--vault-name", "demo", "-n", "exists", "--kty", "EC"]);
});
afterAll(() => home.cleanup());

const INCORRECT_USAGE = "incorrect usage: --id ID | --vault-name/--hsm-name VAULT/HSM --name/-n NAME [--version VERSION]";

const cases: Array<[string, string[], number, string | RegExp]> = [
  ["show without a vault", ["show", "-n", "k"], 1, INCORRECT_USAGE],
  ["show without a name", ["show", "--vault-name", "v"], 1, INCORRECT_USAGE],
  ["create without a name", ["create", "--vault-name", "v"], 1, INCORRECT_USAGE],
  ["delete with nothing", ["delete"], 1, INCORRECT_USAGE],
  ["list-versions with nothing", ["list-versions"], 1, INCORRECT_USAGE],
  ["list with nothing", ["list"], 1, "Please specify --vault-name or --hsm-name."],
  ["list-deleted with nothing", ["list-deleted"], 1, "Please specify --vault-name or --hsm-name."],
  ["--vault-name with --id", ["show", "--vault-name", "v", "--id", "https://v.vault.localhost/keys/k"], 1, "--vault-name and --id are mutually exclusive."],
  ["--hsm-name with --id", ["list", "--hsm-name", "h", "--id", "https://v.vault.localhost"], 1, "--hsm-name and --id are mutually exclusive."],
  ["both vault and HSM", ["show", "--vault-name", "v", "--hsm-name", "h", "-n", "k"], 1, "--vault-name and --hsm-name are mutually exclusive."],
  ["both vault and HSM on list", ["list", "--vault-name", "v", "--hsm-name", "h"], 1, "--vault-name and --hsm-name are mutually exclusive."],
  ["--id of the wrong collection", ["show", "--id", "https://v.vault.localhost/secrets/s"], 2, 'invalid id: The collection "secrets" does not match the expected "keys"'],
  ["purge --id with a secret id", ["purge", "--id", "https://v.vault.localhost/secrets/k"], 2, 'invalid id: The collection "secrets" does not match the expected "deletedkeys"'],
  ["--id that is not a URL", ["show", "--id", "not-a-url"], 2, "'not-a-url' is not a valid ID"],
  ["--id with too many segments", ["show", "--id", "https://v.vault.localhost/keys/k/v/x"], 2, "'https://v.vault.localhost/keys/k/v/x' is not a valid ID"],
  ["list --id without a host", ["list", "--id", "https:"], 1, "Invalid id for Vault or HSM."],
  ["list --id x (fewer than three '/' parts)", ["list", "--id", "x"], 1, "Invalid id for Vault or HSM."],
  ["list-deleted --id that is not a URL", ["list-deleted", "--id", "not-a-url"], 1, "Invalid id for Vault or HSM."],
  ["restore --id that is not a URL", ["restore", "--id", "vault", "-f", "x"], 1, "Invalid id for Vault or HSM."],
  // az copies --hsm-name into the vault slot and then names --vault-name; kvkey names the flag typed.
  ["--hsm-name with --id on a key command", ["show", "--hsm-name", "h", "--id", "https://h.managedhsm.localhost/keys/k"], 1, "--hsm-name and --id are mutually exclusive."],
  ["recover --id with a secret id", ["recover", "--id", "https://v.vault.localhost/secrets/k"], 2, 'invalid id: The collection "secrets" does not match the expected "deletedkeys"'],
  ["--only-show-errors with --debug", ["show", "--vault-name", "v", "-n", "k", "--only-show-errors", "--verbose"], 1, "--only-show-errors can't be used together with --debug or --verbose"],
  ["restore -f with --no-wait", ["restore", "--vault-name", "v", "-f", "x", "--no-wait"], 1, "Please do not specify --no-wait when using --file/-f"],
  ["restore -f with storage arguments", ["restore", "--vault-name", "v", "-f", "x", "--backup-folder", "b"], 1, "Do not use --file/-f with any of --storage-account-name/--blob-container-name/--storage-container-SAS-token/--backup-folder"],
  ["--kty BAD", ["create", "--vault-name", "v", "-n", "k", "--kty", "BAD"], 2, "kvkey create: 'BAD' is not a valid value for '--kty'. Allowed values: EC, EC-HSM, RSA, RSA-HSM, oct, oct-HSM."],
  ["--curve BAD", ["create", "--vault-name", "v", "-n", "k", "--curve", "Ed25519"], 2, "kvkey create: 'Ed25519' is not a valid value for '--curve'. Allowed values: P-256, P-384, P-521, P-256K."],
  ["--ops sign foo", ["create", "--vault-name", "v", "-n", "k", "--ops", "sign", "foo"], 2, "kvkey create: 'foo' is not a valid value for '--ops'. Allowed values: encrypt, decrypt, sign, verify, wrapKey, unwrapKey, import, export."],
  ["--enabled maybe", ["set-attributes", "--vault-name", "v", "-n", "k", "--enabled", "maybe"], 2, "kvkey set-attributes: 'maybe' is not a valid value for '--enabled'. Allowed values: true, false."],
  ["-p software with an HSM type", ["create", "--vault-name", "v", "-n", "k", "-p", "software", "--kty", "RSA-HSM"], 1, "The key type RSA-HSM is invalid for software protected keys. Omit --protection"],
  ["--expires 2020-13-45", ["create", "--vault-name", "v", "-n", "k", "--expires", "2020-13-45"], 2, "argument --expires: invalid datetime_type value: '2020-13-45'"],
  ["--not-before garbage", ["set-attributes", "--vault-name", "v", "-n", "k", "--not-before", "tomorrow"], 2, "argument --not-before: invalid datetime_type value: 'tomorrow'"],
  ["--size abc", ["create", "--vault-name", "v", "-n", "k", "--size", "abc"], 2, "argument --size: invalid int value: 'abc'"],
  ["--immutable without a policy", ["create", "--vault-name", "v", "-n", "k", "--immutable"], 1, "Please provide policy when setting `--immutable`"],
  ["--policy and --default-cvm-policy", ["create", "--vault-name", "v", "-n", "k", "--policy", "{}", "--default-cvm-policy"], 1, "Can not specify both `--policy` and `--default-cvm-policy`"],
  ["--policy and --default-data-disk-policy", ["import", "--vault-name", "v", "-n", "k", "--pem-file", "k.pem", "--policy", "{}", "--default-dd-policy"], 1, "Can not specify both `--policy` and `--default-data-disk-policy`"],
  ["--default-cvm-policy and --default-data-disk-policy", ["create", "--vault-name", "v", "-n", "k", "--default-cvm-policy", "--default-data-disk-policy"], 1, "`--default-cvm-policy` and `--default-data-disk-policy` are mutually exclusive"],
  ["backup without --file", ["backup", "--vault-name", "v", "-n", "k"], 2, "the following arguments are required: --file/-f"],
  ["restore with neither file nor storage", ["restore", "--vault-name", "v"], 1, "Please specify --file/-f or --storage-account-name & --blob-container-name & --storage-container-SAS-token & --backup-folder"],
  ["restore -f with -n", ["restore", "--vault-name", "v", "-f", "x", "-n", "k"], 1, "Please do not specify --name/-n when using --file/-f"],
  ["unknown flag", ["show", "--vault-name", "v", "-n", "k", "--foo"], 2, "unrecognized arguments: --foo"],
  ["misspelled flag", ["show", "--valt-name", "v", "-n", "k"], 2, "unrecognized arguments: --valt-name v"],
  ["stray positional argument", ["show", "--vault-name", "v", "-n", "k", "extra"], 2, "unrecognized arguments: extra"],
  ["flag without its value", ["show", "--vault-name", "v", "--name"], 2, "argument --name/-n: expected one argument"],
  ["misspelled command", ["shw"], 2, "'shw' is misspelled or not recognized by the system."],
  ["bad --output", ["show", "--vault-name", "v", "-n", "k", "-o", "xml"], 2, "kvkey show: 'xml' is not a valid value for '--output'. Allowed values: json, jsonc, yaml, yamlc, table, tsv, none."],
  ["bad --query", ["show", "--vault-name", "v", "-n", "k", "--query", "bad["], 2, /^argument --query: invalid jmespath_type value: 'bad\['/],
  ["show of a missing key", ["show", "--vault-name", "demo", "-n", "missing"], 3, /^\(KeyNotFound\) A key with \(name\/id\) missing was not found in this key vault\./],
  ["set-attributes of a missing key", ["set-attributes", "--vault-name", "demo", "-n", "missing", "--enabled", "false"], 1, /^\(KeyNotFound\) /],
  ["show-deleted of a key that is not deleted", ["show-deleted", "--vault-name", "demo", "-n", "exists"], 1, "(KeyNotFound) Deleted Key not found: exists"],
  ["show-deleted of a missing key is exit 1, not show's 3", ["show-deleted", "--vault-name", "demo", "-n", "missing"], 1, /^\(KeyNotFound\) /],
  ["delete of a missing key", ["delete", "--vault-name", "demo", "-n", "missing", "--only-show-errors"], 1, /^\(KeyNotFound\) /],
  ["recover of a key that is not deleted", ["recover", "--vault-name", "demo", "-n", "exists"], 1, /^\(KeyNotFound\) /],
  ["purge of a key that is not deleted", ["purge", "--vault-name", "demo", "-n", "exists"], 1, /^\(KeyNotFound\) /],
  ["backup of a missing key", ["backup", "--vault-name", "demo", "-n", "missing", "-f", "never.bak"], 1, /^\(KeyNotFound\) /],
  ["restore from a file that is not there", ["restore", "--vault-name", "demo", "-f", "/nonexistent/k.bak"], 1, /\/nonexistent\/k\.bak/],
  ["show in a vault that was never created", ["show", "--vault-name", "nothere", "-n", "k"], 3, /^\(VaultNotFound\) /],
  ["unknown cloud", ["show", "--vault-name", "v", "-n", "k", "--cloud", "Mars"], 1, /^The cloud 'Mars' \(from --cloud\) is not registered\. Known clouds: Local, AzureCloud/],
];

describe("error rows", () => {
  test.each(cases)("%s", async (_title, args, code, message) => {
    const run = await cli(args);
    expect(run.stdout).toBe("");
    expect(run.code).toBe(code);
    const text = errorLine(run.stderr);
    if (typeof message === "string") expect(text).toBe(message);
    else expect(text).toMatch(message);
  });

  test("a stack trace appears only with --debug", async () => {
    const plain = await cli(["show", "--vault-name", "demo", "-n", "missing"]);
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const debug = await cli(["show", "--vault-name", "demo", "-n", "missing", "--debug"]);
    expect(debug.stderr).toMatch(/\n\s+at /);
    expect(debug.stderr).toMatch(/DEBUG: Request: GET https:\/\/demo\.vault\.localhost\/keys\/missing\//);
    expect(debug.stderr).toMatch(/'authorization': '\*\*\*\*\*'/i);
    expect(debug.stderr).not.toMatch(/Bearer ey/);
  });
});

describe("service error rows that need a vault in a given state", () => {
  const oneErrorLine = (run: { code: number; stdout: string; stderr: string }, code: number, message: RegExp) => {
    expect(run).toMatchObject({ code, stdout: "" });
    errorLine(run.stderr);
    expect(run.stderr).toMatch(message);
  };

  test("list-versions of a missing key prints [] and exits 0: the service lists no versions rather than answering 404", async () => {
    await cli(["create", "--vault-name", "demo", "-n", "exists", "--kty", "EC", "-o", "none"]);
    const run = await cli(["list-versions", "--vault-name", "demo", "-n", "missing"]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(run.stdout)).toEqual([]);
  });

  test("403: purge under purge protection is (Forbidden), exit 1", async () => {
    expect((await cli(["emulator", "vault", "create", "-n", "protected", "--enable-purge-protection", "-o", "none"])).code).toBe(0);
    await cli(["create", "--vault-name", "protected", "-n", "k", "--kty", "EC", "-o", "none"]);
    await cli(["delete", "--vault-name", "protected", "-n", "k", "-o", "none"]);
    oneErrorLine(await cli(["purge", "--vault-name", "protected", "-n", "k"]), 1, /^ERROR: \(Forbidden\) Operation "purge" is not allowed on key k: purge protection/);
  });

  test("409: a name in the deleted-but-recoverable state cannot be created again, exit 1", async () => {
    await cli(["create", "--vault-name", "demo", "-n", "gone", "--kty", "EC", "-o", "none"]);
    await cli(["delete", "--vault-name", "demo", "-n", "gone", "-o", "none"]);
    oneErrorLine(await cli(["create", "--vault-name", "demo", "-n", "gone", "--kty", "EC"]), 1, /^ERROR: \(Conflict\) Key gone is currently in a deleted but recoverable state/);
  });

  test("a vault that cannot be reached: az's 'Max retries exceeded' line (Vault or HSM by host), exit 1", () => {
    const refused = (url: string) => new RestError("connect ECONNREFUSED 127.0.0.1:443", { code: "ECONNREFUSED", request: { url } as never });
    const vault = normalizeError(refused("https://prod.vault.azure.net/keys/k/?api-version=7.6"));
    expect(vault.message).toBe(
      "Max retries exceeded attempting to connect to Vault prod.vault.azure.net. The Vault may not exist or you may need to flush your DNS cache and try again later.",
    );
    expect(exitCodeFor(vault, "show")).toBe(1);
    expect(normalizeError(refused("https://h.managedhsm.azure.net/keys")).message).toMatch(/^Max retries exceeded attempting to connect to HSM h\.managedhsm\.azure\.net\. The HSM may not exist/);
  });
});
