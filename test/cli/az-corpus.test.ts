import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { splitLine } from "../../src/cli/completion/words.js";
import { cliIn, errorLine, type CliRun } from "../helpers/cli.js";
import { tempDataDir } from "../helpers/emulator.js";
import { CORPUS, type CorpusFile, type CorpusLine, type CorpusSource, type Shape } from "./fixtures/az-corpus.js";

// Real az command lines (az's help examples and Microsoft Learn articles, test/cli/fixtures/az-corpus.ts)
// run unchanged but for `az` -> `kvkey`: each gives az's exit code and the output shape az documents.

let home: { dir: string; cleanup: () => void };
let cli: ReturnType<typeof cliIn>;
const saved: Record<string, unknown> = {};

beforeAll(() => {
  home = tempDataDir();
  cli = cliIn(home.dir);
});
afterAll(() => home.cleanup());

test("the corpus holds at least 60 command lines, every one an az keyvault key command", () => {
  const lines = CORPUS.flatMap((s) => s.lines);
  expect(lines.length).toBeGreaterThanOrEqual(60);
  for (const line of lines) expect(line.az).toMatch(/^az keyvault key /);
});

/** The value at a dotted path of a saved output: {{aesEncrypted.iv}}. */
function fill(text: string): string {
  return text.replace(/\{\{([\w.]+)\}\}/g, (_m, path: string) => {
    const value = path.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], saved);
    if (typeof value !== "string") throw new Error(`corpus: nothing saved at ${path}`);
    return value;
  });
}

/** The line as kvkey runs it: placeholders filled, Azure hosts made local, `az` dropped. */
function localArgv(source: CorpusSource, line: CorpusLine): string[] {
  let text = line.az;
  for (const [from, to] of Object.entries(line.replace ?? {})) text = text.split(from).join(fill(to));
  for (const [from, to] of Object.entries(source.vars ?? {})) text = text.split(from).join(to);
  text = text.replace(/\.vault\.azure\.net/g, ".vault.localhost").replace(/\.managedhsm\.azure\.net/g, ".managedhsm.localhost");
  const words = splitLine(text).words;
  expect(words[0]).toBe("az");
  return words.slice(1);
}

function writeFile(dir: string, name: string, file: CorpusFile): void {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  if (typeof file === "string") {
    writeFileSync(path, file);
    return;
  }
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const password = file.rsaPem.password;
  writeFileSync(path, privateKey.export(password ? { type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: password } : { type: "pkcs8", format: "pem" }));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function expectShape(shape: Shape, run: CliRun): void {
  if (shape === "none") {
    expect(run.stdout).toBe("");
    return;
  }
  if (shape === "error") {
    expect(run.stdout).toBe("");
    return;
  }
  const out: unknown = run.json();
  const keyBundle = (v: unknown) => {
    expect(isObject(v)).toBe(true);
    const bundle = v as Record<string, unknown>;
    for (const member of ["attributes", "key", "managed", "releasePolicy", "tags"]) expect(bundle).toHaveProperty(member);
    expect((bundle.key as { kid?: unknown }).kid).toMatch(/^https:\/\/[^/]+\/keys\/[^/]+\/[0-9a-f]{32}$/);
  };
  const item = (v: unknown) => {
    expect(isObject(v)).toBe(true);
    expect(v).toMatchObject({ kid: expect.stringMatching(/\/keys\//), name: expect.any(String), attributes: expect.any(Object) });
  };
  switch (shape) {
    case "key":
      keyBundle(out);
      break;
    case "deleted-key":
      keyBundle(out);
      expect(out).toMatchObject({ recoveryId: expect.stringMatching(/\/deletedkeys\//), deletedDate: expect.any(String), scheduledPurgeDate: expect.any(String) });
      break;
    case "key-list":
      expect(Array.isArray(out) && out.length > 0).toBe(true);
      (out as unknown[]).forEach(item);
      break;
    case "deleted-key-list":
      expect(Array.isArray(out) && out.length > 0).toBe(true);
      for (const v of out as unknown[]) {
        item(v);
        expect(v).toMatchObject({ recoveryId: expect.stringMatching(/\/deletedkeys\//) });
      }
      break;
    case "rotation-policy":
      expect(out).toMatchObject({ id: expect.stringMatching(/\/rotationpolicy$/), lifetimeActions: expect.any(Array) });
      expect((out as { lifetimeActions: unknown[] }).lifetimeActions.length).toBeGreaterThan(0);
      break;
    case "encrypt":
      expect(Object.keys(out as object).sort()).toEqual(["aad", "algorithm", "iv", "kid", "result", "tag"]);
      break;
    case "decrypt":
      expect(Object.keys(out as object).sort()).toEqual(["algorithm", "kid", "result"]);
      break;
  }
}

describe.each(CORPUS.map((s, i) => [s.title, s, i] as const))("%s", (_title, source, index) => {
  const cwd = () => join(home.dir, `source-${index}`);

  beforeAll(() => {
    mkdirSync(cwd(), { recursive: true });
    for (const [name, file] of Object.entries(source.files ?? {})) writeFile(cwd(), name, file);
  });

  test.each(source.lines.map((l) => [l.az, l] as const))("%s", async (_az, line) => {
    for (const step of line.before ?? []) {
      const words = splitLine(fill(step)).words;
      if (words[0] === "rm") {
        rmSync(join(cwd(), words[1]!), { force: true });
        continue;
      }
      const prepared = await cli([...words, "-o", "none"], { cwd: cwd() });
      expect(prepared.code, `before: kvkey ${step}: ${prepared.stderr}`).toBe(0);
    }
    // `az keyvault key ...` with az replaced: kvkey takes the `keyvault key` words as they are.
    const run = await cli(localArgv(source, line), { cwd: cwd() });
    const code = line.code ?? 0;
    expect(run.code, `${line.az}\n${run.stderr}`).toBe(code);
    expectShape(line.shape, run);
    if (line.shape === "error") expect(errorLine(run.stderr)).toContain(line.error ?? "");
    else expect(run.stderr).not.toMatch(/^ERROR/m);
    if (line.writes) expect(existsSync(join(cwd(), line.writes))).toBe(true);
    if (line.save) saved[line.save] = run.json();
  });
});
