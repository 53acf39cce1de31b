import { describe, expect, test } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

// The layer rules of docs/architecture.md ("Layers"), checked: every import in src/ (static, dynamic,
// type-only and re-exports alike) must go where its layer may go. Change a rule here and in the doc
// together, with the reason in the commit.

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A file's layer: the first prefix that matches. */
const LAYERS: ReadonlyArray<[prefix: string, layer: string]> = [
  ["src/bin/", "bin"],
  ["src/index.ts", "package"],
  ["src/cli/commands/", "cli/commands"],
  ["src/cli/", "cli"],
  ["src/output/", "output"],
  ["src/io/", "io"],
  ["src/vault-client/", "vault-client"],
  ["src/shared/", "shared"],
  ["src/emulator/domain/", "emulator/domain"],
  ["src/emulator/crypto/", "emulator/crypto"],
  ["src/emulator/store/", "emulator/store"],
  ["src/emulator/service/", "emulator/service"],
  ["src/emulator/http/", "emulator/http"],
  ["src/emulator/audit/", "emulator/audit"],
  ["src/emulator/events/", "emulator/events"],
  ["src/emulator/tls/", "emulator/tls"],
  ["src/emulator/serve/", "emulator/serve"],
  ["src/emulator/", "emulator"],
];

/**
 * The emulator's public entry points: what the CLI, vault-client and the package reach it through.
 * Everything else in src/emulator/ is internal.
 */
const EMULATOR_ENTRIES = new Set([
  "src/emulator/index.ts", // createEmulator and the types
  "src/emulator/server.ts", // startEmulator (HTTPS, workers)
  "src/emulator/tls/local-ca.ts", // the CA and server certificate (`kvkey emulator ca`, without loading the emulator)
  "src/emulator/local-token.ts", // tokens for a served emulator on a data directory (vault-client/served-client.ts)
]);
const EMULATOR_ENTRY = "emulator (public entry)";

/** Which layers each layer may import. Its own layer is always allowed. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  bin: ["cli", "io", "shared", EMULATOR_ENTRY],
  package: ["vault-client", "shared", EMULATOR_ENTRY],
  // A command imports helpers (cli: args/, views/, ...), never another command module.
  "cli/commands": ["cli", "output", "io", "vault-client", "shared", EMULATOR_ENTRY],
  cli: ["cli/commands", "output", "io", "vault-client", "shared", EMULATOR_ENTRY],
  output: ["shared"],
  io: ["shared"],
  "vault-client": ["shared", EMULATOR_ENTRY],
  shared: [],
  // The emulator's root files (index.ts composition root, server.ts, lifetime.ts, monitoring.ts) wire the layers.
  emulator: ["emulator/domain", "emulator/crypto", "emulator/store", "emulator/service", "emulator/http", "emulator/audit", "emulator/events", "emulator/tls", "emulator/serve", "shared"],
  "emulator/serve": ["emulator", "emulator/http", "emulator/domain", "emulator/tls", "shared"],
  // The pipeline calls the services and hands each answered request to the audit log.
  "emulator/http": ["emulator/service", "emulator/audit", "emulator/domain", "shared"],
  "emulator/audit": ["emulator/domain", "shared"],
  "emulator/events": ["emulator/store", "emulator/domain", "shared"],
  "emulator/service": ["emulator/crypto", "emulator/store", "emulator/domain", "shared"],
  // Crypto checks inputs with Key Vault's own errors and key types (domain), never HTTP.
  "emulator/crypto": ["emulator/domain", "shared"],
  "emulator/store": ["emulator/domain", "shared"],
  "emulator/domain": ["shared"],
  "emulator/tls": ["shared"],
};

/** Packages only some layers may import. */
const PACKAGES: ReadonlyArray<{ pattern: RegExp; layers: readonly string[]; why: string }> = [
  // The emulator must not be built from the client it has to satisfy.
  { pattern: /^@azure\//, layers: ["cli", "cli/commands", "vault-client"], why: "only the CLI and vault-client use the Azure SDK" },
  { pattern: /^better-sqlite3$/, layers: ["emulator/store", "emulator/audit", "emulator/events"], why: "SQLite belongs to the stores" },
  { pattern: /^commander$/, layers: ["cli"], why: "argument parsing is the CLI's (parser.ts)" },
];

export interface Violation {
  file: string;
  imports: string;
  rule: string;
}

function layerOf(file: string): string | undefined {
  return LAYERS.find(([prefix]) => file === prefix || file.startsWith(prefix))?.[1];
}

function targetLayer(target: string): string | undefined {
  return EMULATOR_ENTRIES.has(target) ? EMULATOR_ENTRY : layerOf(target);
}

/** Import specifiers of a TypeScript source: static, type-only, re-exports and dynamic import(). */
function importsOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/** Checks sources (project-relative path -> text) against the rules. */
export function layerViolations(sources: ReadonlyMap<string, string>): Violation[] {
  const out: Violation[] = [];
  for (const [file, source] of sources) {
    const layer = layerOf(file);
    if (!layer) {
      out.push({ file, imports: "", rule: "the file belongs to no layer: add its folder to LAYERS and docs/architecture.md" });
      continue;
    }
    for (const spec of importsOf(source)) {
      if (spec.startsWith("node:")) continue;
      if (!spec.startsWith(".")) {
        const rule = PACKAGES.find((p) => p.pattern.test(spec));
        if (rule && !rule.layers.includes(layer)) out.push({ file, imports: spec, rule: `${layer} may not import ${spec}: ${rule.why}` });
        continue;
      }
      const target = normalize(join(dirname(file), spec)).replace(/\\/g, "/").replace(/\.js$/, ".ts");
      const to = targetLayer(target);
      if (!to) {
        out.push({ file, imports: spec, rule: `${target} belongs to no layer` });
        continue;
      }
      if (layer === "cli/commands" && to === "cli/commands") {
        out.push({ file, imports: spec, rule: "a command module imports no other command module: move shared code to src/cli/args/ or src/cli/" });
        continue;
      }
      const sameLayer = to === layer || (to === EMULATOR_ENTRY && layer.startsWith("emulator"));
      if (!sameLayer && !ALLOWED[layer]!.includes(to)) {
        out.push({ file, imports: spec, rule: `${layer} may not import ${to === EMULATOR_ENTRY ? "the emulator" : to}${to === EMULATOR_ENTRY ? "" : ` (${target})`}` });
      }
    }
  }
  return out;
}

function projectSources(): Map<string, string> {
  const sources = new Map<string, string>();
  for (const entry of readdirSync(join(ROOT, "src"), { recursive: true, encoding: "utf8" })) {
    if (!entry.endsWith(".ts")) continue;
    const file = `src/${entry.replace(/\\/g, "/")}`;
    sources.set(file, readFileSync(join(ROOT, file), "utf8"));
  }
  return sources;
}

describe("the layers of docs/architecture.md", () => {
  test("every import in src/ goes where its layer may go", () => {
    const sources = projectSources();
    expect(sources.size).toBeGreaterThan(150);
    expect(layerViolations(sources)).toEqual([]);
  });

  test("an import against the rules fails the check: the same tree plus one forbidden import", () => {
    const sources = projectSources();
    const added = (file: string, line: string) => {
      const changed = new Map(sources);
      changed.set(file, `${line}\n${sources.get(file) ?? ""}`);
      return layerViolations(changed);
    };
    // The domain reaching up into the wire layer.
    expect(added("src/emulator/domain/key.ts", 'import type { Route } from "../http/router.js";')).toEqual([
      { file: "src/emulator/domain/key.ts", imports: "../http/router.js", rule: "emulator/domain may not import emulator/http (src/emulator/http/router.ts)" },
    ]);
    // Crypto throwing HTTP-shaped errors, audit re-deriving from the wire layer, a dynamic import too.
    expect(added("src/emulator/crypto/seal.ts", 'import { serialise } from "../http/respond.js";')).toHaveLength(1);
    expect(added("src/emulator/audit/audit-log.ts", 'const { route } = await import("../http/router.js");')).toHaveLength(1);
    // The CLI reaching past the emulator's public entries; a command importing another command.
    expect(added("src/cli/commands/show.ts", 'import { KeyService } from "../../emulator/service/key-service.js";')).toEqual([
      { file: "src/cli/commands/show.ts", imports: "../../emulator/service/key-service.js", rule: "cli/commands may not import emulator/service (src/emulator/service/key-service.ts)" },
    ]);
    expect(added("src/cli/commands/show.ts", 'import { listCommand } from "./list.js";')[0]?.rule).toMatch(/imports no other command module/);
    // The emulator importing the SDK it must satisfy.
    expect(added("src/emulator/http/pipeline.ts", 'import type { KeyClient } from "@azure/keyvault-keys";')[0]?.rule).toMatch(/Azure SDK/);
    // A file outside every layer.
    expect(added("src/misc/helper.ts", "")[0]?.rule).toMatch(/belongs to no layer/);
  });

  test("public entries: the CLI may open the emulator through index.ts, not its internals", () => {
    const ok = new Map([["src/cli/local-emulator.ts", 'const { createEmulator } = await import("../emulator/index.js");']]);
    expect(layerViolations(ok)).toEqual([]);
    const internal = new Map([["src/vault-client/served-client.ts", 'import { TokenAuthority } from "../emulator/http/auth.js";']]);
    expect(layerViolations(internal)).toHaveLength(1);
  });
});
