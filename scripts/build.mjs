// Builds dist/: the kvkey binary and the programmatic entry, bundled with esbuild, plus type
// declarations for the entry. Bundling matters for start-up: Node 20 spends most of a cold start
// resolving and loading hundreds of small ESM files (the Azure SDK alone is ~75 ms unbundled). Dynamic
// imports stay dynamic (code splitting), so the SDK, the emulator, @azure/identity and node-forge still
// load only on the paths that need them.
import { build } from "esbuild";
import { chmodSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = new URL("..", import.meta.url);
process.chdir(fileURLToPath(root));
rmSync("dist", { recursive: true, force: true });

// commander requires node:child_process at load time for executable subcommands, which kvkey never
// declares; loading it (and net, dgram with it) costs ~5 ms of every start, --version and --help included.
// commander gets a stand-in that refuses to spawn.
const commanderWithoutChildProcess = {
  name: "commander-without-child-process",
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: "child_process", namespace: "commander-stub" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "commander-stub" }, () => ({
      contents: "module.exports = { spawn() { throw new Error('kvkey declares no executable subcommands'); } };",
      loader: "js",
    }));
  },
};

await build({
  // emulator-worker: the process a served emulator with --workers > 1 forks (node:cluster).
  entryPoints: { kvkey: "src/bin/kvkey.ts", index: "src/index.ts", "emulator-worker": "src/bin/emulator-worker.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20.19",
  // A native addon: it finds its .node file relative to its own package.
  external: ["better-sqlite3"],
  chunkNames: "chunks/[name]-[hash]",
  // Some bundled dependencies are CommonJS and call require(); give ESM chunks one.
  banner: { js: "import { createRequire as __kvkeyRequire } from 'node:module'; const require = __kvkeyRequire(import.meta.url);" },
  legalComments: "eof",
  logLevel: "warning",
  plugins: [commanderWithoutChildProcess],
});
chmodSync("dist/kvkey.js", 0o755);

// Declarations for `import ... from "kvkey"` (the emulator API).
execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json", "--emitDeclarationOnly", "--declaration", "--outDir", "dist/types"], {
  stdio: "inherit",
});
