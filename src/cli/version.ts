import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../shared/package-root.js";

// Read from package.json at run time, so there is one version.
export const VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version?: string }).version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
})();
