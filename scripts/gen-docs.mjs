// Regenerates what is derived from the command definitions (`npm run docs`): docs/commands.md and
// src/cli/command-index.generated.ts. The definitions are TypeScript; esbuild compiles them on the
// fly into a temporary module.
import { build } from "esbuild";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
// Inside the project, so the compiled module resolves the project's node_modules.
const cache = join(root, "node_modules", ".cache");
mkdirSync(cache, { recursive: true });
const out = mkdtempSync(join(cache, "kvkey-docs-"));
try {
  // One entry importing the renderers and every command module, so the index can name each spec's module.
  // Command modules sit in src/cli/commands/ and in one folder per command group (commands/emulator/).
  const files = readdirSync(join(root, "src/cli/commands"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts")).sort();
  const entry = [
    `export { renderReference } from ${JSON.stringify(join(root, "src/cli/reference-doc.ts"))};`,
    `export { renderCommandIndex } from ${JSON.stringify(join(root, "src/cli/command-index-render.ts"))};`,
    ...files.map((f, i) => `import * as m${i} from ${JSON.stringify(join(root, "src/cli/commands", f))};`),
    `export const modules = { ${files.map((f, i) => `${JSON.stringify(f)}: m${i}`).join(", ")} };`,
  ].join("\n");
  writeFileSync(join(out, "entry.ts"), entry);
  await build({
    entryPoints: [join(out, "entry.ts")],
    outfile: join(out, "docs.mjs"),
    bundle: true,
    format: "esm",
    platform: "node",
    packages: "external",
    logLevel: "warning",
  });
  const { renderReference, renderCommandIndex, modules } = await import(pathToFileURL(join(out, "docs.mjs")).href);
  writeFileSync(join(root, "docs/commands.md"), renderReference());
  console.log("wrote docs/commands.md");
  writeFileSync(join(root, "src/cli/command-index.generated.ts"), renderCommandIndex(modules));
  console.log("wrote src/cli/command-index.generated.ts");
} finally {
  rmSync(out, { recursive: true, force: true });
}
