// Regenerates docs/commands.md from the command definitions (`npm run docs`). The definitions are
// TypeScript; esbuild compiles them on the fly into a temporary module.
import { build } from "esbuild";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
// Inside the project, so the compiled module resolves the project's node_modules.
const cache = join(root, "node_modules", ".cache");
mkdirSync(cache, { recursive: true });
const out = mkdtempSync(join(cache, "kvkey-docs-"));
try {
  await build({
    entryPoints: [join(root, "src/cli/reference-doc.ts")],
    outfile: join(out, "reference-doc.mjs"),
    bundle: true,
    format: "esm",
    platform: "node",
    packages: "external",
    logLevel: "warning",
  });
  const { renderReference } = await import(pathToFileURL(join(out, "reference-doc.mjs")).href);
  writeFileSync(join(root, "docs/commands.md"), renderReference());
  console.log("wrote docs/commands.md");
} finally {
  rmSync(out, { recursive: true, force: true });
}
