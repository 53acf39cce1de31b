import { COMMANDS } from "./registry.js";

// Writes command-index.generated.ts: for each command in the registry, in its order, the words,
// summary and preview flag, and a loader that imports the one module declaring it. `npm run docs`
// regenerates it and a test fails when it disagrees with the declarations, so it cannot drift.

/** Command modules by path under commands/ ("show.ts", "emulator/logs.ts") with their exports, as `import * as` gives them. */
export type CommandModules = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

export function renderCommandIndex(modules: CommandModules): string {
  const rows = COMMANDS.map((spec) => {
    const home = Object.entries(modules).flatMap(([file, exports]) =>
      Object.entries(exports)
        .filter(([, value]) => value === spec)
        .map(([name]) => ({ file, name })),
    );
    if (home.length !== 1) throw new Error(`kvkey ${spec.path.join(" ")}: declared in ${home.length} command modules, expected 1`);
    const { file, name } = home[0]!;
    const module = `./commands/${file.replace(/\.ts$/, ".js")}`;
    const fields = [`path: ${JSON.stringify(spec.path)}`, `summary: ${JSON.stringify(spec.summary)}`];
    if (spec.preview) fields.push("preview: true");
    fields.push(`load: async () => (await import(${JSON.stringify(module)})).${name}`);
    return `  { ${fields.join(", ")} },`;
  });
  return [
    "// Generated from src/cli/registry.ts by `npm run docs`; do not edit.",
    "// Lets dispatch find a command, list groups and suggest typos without loading every command module.",
    'import type { IndexedCommand } from "./spec.js";',
    "",
    "export const COMMAND_INDEX: readonly IndexedCommand[] = [",
    ...rows,
    "];",
    "",
  ].join("\n");
}
