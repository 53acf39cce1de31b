import { readFileSync } from "node:fs";

// Read from package.json at run time (dist/cli/version.js -> ../../package.json), so there is one version.
export const VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
})();
