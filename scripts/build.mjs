// Builds dist/: the kvkey binary and the programmatic entry, bundled with esbuild, plus type
// declarations for the entry. Bundling matters for start-up: Node 20 spends most of a cold start
// resolving and loading hundreds of small ESM files (the Azure SDK alone is ~75 ms unbundled). Dynamic
// imports stay dynamic (code splitting), so the SDK, the emulator, @azure/identity and node-forge still
// load only on the paths that need them.
import { build } from "esbuild";
import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = new URL("..", import.meta.url);
process.chdir(fileURLToPath(root));
rmSync("dist", { recursive: true, force: true });

// The plugins below patch dependency code for start-up speed. Each names the places it must patch; the
// build fails when one of them no longer applies (a dependency moved or renamed what the patch relies
// on), so an upgrade cannot silently bring back the cost a patch removed. The build succeeding is the
// check; test/e2e/binary.test.ts then checks the result (which modules a local command loads).
const patchPoints = new Map(); // name -> times applied
function expectPatch(name) {
  patchPoints.set(name, 0);
}
function patched(name) {
  if (!patchPoints.has(name)) throw new Error(`scripts/build.mjs: patched an unexpected place: ${name}`);
  patchPoints.set(name, patchPoints.get(name) + 1);
}

// The SDK's HTTP layer (@typespec/ts-http-runtime) imports node:http, node:https and node:zlib for its
// Node client, and its proxy policy imports https-proxy-agent and http-proxy-agent (agent-base, net, tls,
// assert) — all at load time. The embedded vault uses neither (its HttpClient calls the emulator in
// process), yet loading them is ~15 ms of every `kvkey show`. Here they load on first use instead:
// - the builtins become a Proxy that requires the real module on first property access (they are only
//   used inside functions: http.request, new https.Agent, zlib.createGunzip);
// - the proxy agents become getters that evaluate the bundled package when a proxy is configured.
const LAZY_IMPORTERS = /[\\/]node_modules[\\/]@typespec[\\/]ts-http-runtime[\\/]dist[\\/]esm[\\/](nodeHttpClient|policies[\\/]proxyPolicy)\.js$/;
const LAZY_BUILTINS = new Set(["node:http", "node:https", "node:zlib"]);
const LAZY_PACKAGES = { "https-proxy-agent": "HttpsProxyAgent", "http-proxy-agent": "HttpProxyAgent" };
for (const name of ["nodeHttpClient: node:http", "nodeHttpClient: node:https", "nodeHttpClient: node:zlib"]) expectPatch(name);
for (const name of Object.keys(LAZY_PACKAGES)) expectPatch(`proxyPolicy: ${name}`);
const lazySdkTransport = {
  name: "lazy-sdk-transport",
  setup(b) {
    b.onResolve({ filter: /^(node:(http|https|zlib)|https-proxy-agent|http-proxy-agent)$/ }, (args) => {
      const importer = LAZY_IMPORTERS.exec(args.importer)?.[1];
      if (!importer) return undefined;
      patched(`${importer.includes("proxyPolicy") ? "proxyPolicy" : "nodeHttpClient"}: ${args.path}`);
      if (LAZY_BUILTINS.has(args.path)) return { path: args.path, namespace: "lazy-builtin" };
      return { path: args.path, namespace: "lazy-package", pluginData: { resolveDir: args.resolveDir } };
    });
    // A module object that stands for the builtin: it reports itself as an ES module with one export,
    // `default`, so esbuild's and TypeScript's interop helpers hand out the proxy itself without listing
    // its members (which would load it).
    b.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, (args) => ({
      contents: `let real;
const load = () => (real ??= require(${JSON.stringify(args.path)}));
module.exports = new Proxy({}, {
  get: (_, key) => (key === "__esModule" ? true : key === "default" ? load() : load()[key]),
  has: (_, key) => key in load(),
  ownKeys: () => ["default"],
  getOwnPropertyDescriptor: (_, key) => (key === "default" ? { configurable: true, enumerable: true, writable: false, value: undefined } : undefined),
});`,
      loader: "js",
    }));
    b.onLoad({ filter: /.*/, namespace: "lazy-package" }, (args) => ({
      // require() of the real package is bundled as a lazily evaluated CommonJS module.
      contents: `Object.defineProperty(exports, ${JSON.stringify(LAZY_PACKAGES[args.path])}, { enumerable: true, get: () => require(${JSON.stringify(args.path)}).${LAZY_PACKAGES[args.path]} });`,
      loader: "js",
      resolveDir: args.pluginData.resolveDir,
    }));
  },
};

// Node 20 defines FormData and ReadableStream as lazy globals: the first mention of either loads undici
// (~95 internal modules, ~40 ms) or the web-streams implementation. The SDK's request-body check,
// run for every request with a body (create, sign, encrypt...), does `body instanceof FormData` and
// `x instanceof ReadableStream` on kvkey's plain JSON bodies. Each check is made to look at the value's
// Symbol.toStringTag first — every FormData and ReadableStream carries it — so the global is touched
// only for a value that could be one.
const GUARDED_CHECKS = [
  {
    file: /[\\/]@typespec[\\/]ts-http-runtime[\\/]dist[\\/]esm[\\/]client[\\/]sendRequest\.js$/,
    from: 'typeof FormData !== "undefined" && body instanceof FormData',
    to: 'body?.[Symbol.toStringTag] === "FormData" && typeof FormData !== "undefined" && body instanceof FormData',
  },
  {
    file: /[\\/]@typespec[\\/]ts-http-runtime[\\/]dist[\\/]esm[\\/]util[\\/]typeGuards-node\.js$/,
    from: "return x instanceof ReadableStream;",
    to: 'return x?.[Symbol.toStringTag] === "ReadableStream" && x instanceof ReadableStream;',
  },
];
for (const check of GUARDED_CHECKS) expectPatch(`guard: ${check.from}`);
const lazyWebGlobals = {
  name: "lazy-web-globals",
  setup(b) {
    b.onLoad({ filter: /[\\/]@typespec[\\/]ts-http-runtime[\\/]dist[\\/]esm[\\/].*\.js$/ }, (args) => {
      const checks = GUARDED_CHECKS.filter((c) => c.file.test(args.path));
      if (checks.length === 0) return undefined;
      let contents = readFileSync(args.path, "utf8");
      for (const check of checks) {
        if (!contents.includes(check.from)) throw new Error(`${args.path}: expected \`${check.from}\`; re-check the lazy-web-globals plugin`);
        contents = contents.replaceAll(check.from, check.to);
        patched(`guard: ${check.from}`);
      }
      return { contents, loader: "js" };
    });
  },
};

// @azure/identity's HTTP pipeline (the managed-identity and Entra ID token requests) keeps the SDK's
// formDataPolicy, which src/vault-client/sdk-internals.ts removes only from the Key Vault client. For
// every token request it asks ts-http-runtime's convertBodyToFormDataMap whether the body is a FormData,
// and that first mention of the FormData global loads undici (~27 ms). The check looks at
// Symbol.toStringTag first, as the lazy-web-globals checks above do. Like every patch here, it fails the
// build when it no longer applies.
const IDENTITY_FORM_DATA_CHECK = {
  name: "formData.js FormData check",
  file: /[\\/]@typespec[\\/]ts-http-runtime[\\/]dist[\\/]esm[\\/]formData\.js$/,
  from: 'typeof FormData !== "undefined" && body instanceof FormData',
  to: 'body?.[Symbol.toStringTag] === "FormData" && typeof FormData !== "undefined" && body instanceof FormData',
};
// The SDK's Node HTTP client clears a request's timeout timer only when response headers arrive: a
// request that fails to connect (the IMDS probe off Azure, a refused token endpoint) leaves the timer
// running, and the process stays up until it fires (1 s for the probe) after kvkey has printed. The
// timer is cleared in the request's `finally` too.
const REQUEST_TIMER_CLEANUP = {
  name: "nodeHttpClient.js request timer",
  file: /[\\/]@typespec[\\/]ts-http-runtime[\\/]dist[\\/]esm[\\/]nodeHttpClient\.js$/,
  from: "        finally {\n            // clean up event listener\n",
  to: "        finally {\n            if (timeoutId !== undefined) {\n                clearTimeout(timeoutId);\n            }\n            // clean up event listener\n",
};
for (const patch of [IDENTITY_FORM_DATA_CHECK, REQUEST_TIMER_CLEANUP]) expectPatch(`identity pipeline: ${patch.name}`);
const identityPipelinePatches = {
  name: "identity-pipeline-patches",
  setup(b) {
    const patches = [IDENTITY_FORM_DATA_CHECK, REQUEST_TIMER_CLEANUP];
    b.onLoad({ filter: /[\\/]@typespec[\\/]ts-http-runtime[\\/]dist[\\/]esm[\\/](formData|nodeHttpClient)\.js$/ }, (args) => {
      const patch = patches.find((p) => p.file.test(args.path));
      if (!patch) return undefined;
      const contents = readFileSync(args.path, "utf8");
      const at = contents.indexOf(patch.from);
      if (at < 0 || contents.indexOf(patch.from, at + 1) >= 0) {
        throw new Error(`${args.path}: expected \`${patch.from.trim()}\` exactly once; re-check the identity-pipeline-patches plugin`);
      }
      patched(`identity pipeline: ${patch.name}`);
      return { contents: contents.replace(patch.from, patch.to), loader: "js" };
    });
  },
};

const result = await build({
  // emulator-worker: the process a served emulator with --workers > 1 forks (node:cluster).
  entryPoints: { kvkey: "src/bin/kvkey.ts", index: "src/index.ts", "emulator-worker": "src/bin/emulator-worker.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20.19",
  // better-sqlite3's JavaScript is bundled (one chunk instead of 13 CommonJS files resolved and compiled
  // one by one, ~7 ms of every command); its native addon stays in node_modules and is handed to it as
  // nativeBinding (src/emulator/store/sqlite-store.ts), so `bindings`, its addon finder, never runs.
  external: ["bindings"],
  chunkNames: "chunks/[name]-[hash]",
  // Some bundled dependencies are CommonJS and call require(); give ESM chunks one.
  banner: { js: "import { createRequire as __kvkeyRequire } from 'node:module'; const require = __kvkeyRequire(import.meta.url);" },
  legalComments: "eof",
  // Smaller chunks compile faster at start-up; identifiers stay, so --debug stacks keep their names.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
  plugins: [lazySdkTransport, lazyWebGlobals, identityPipelinePatches],
  // KVKEY_METAFILE=path writes esbuild's metafile: which sources went into which chunk (start-up work).
  metafile: Boolean(process.env.KVKEY_METAFILE),
});
if (process.env.KVKEY_METAFILE) writeFileSync(process.env.KVKEY_METAFILE, JSON.stringify(result.metafile));
const unapplied = [...patchPoints].filter(([, times]) => times === 0).map(([name]) => name);
if (unapplied.length > 0) {
  rmSync("dist", { recursive: true, force: true });
  throw new Error(
    `scripts/build.mjs: these dependency patches no longer apply (did a dependency change?): ${unapplied.join("; ")}. ` +
      "Re-check the plugin against the new code, or remove the patch if its cost is gone (test/e2e/binary.test.ts says which modules must not load).",
  );
}
chmodSync("dist/kvkey.js", 0o755);

// Declarations for `import ... from "kvkey"` (the emulator API).
execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json", "--emitDeclarationOnly", "--declaration", "--outDir", "dist/types"], {
  stdio: "inherit",
});
