import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The directory of kvkey's own package.json, found by walking up from this module. It works from the
 * TypeScript sources (tests), from the bundle in dist/ and from an installed copy alike.
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "package.json");
    if (existsSync(candidate)) {
      try {
        if ((JSON.parse(readFileSync(candidate, "utf8")) as { name?: string }).name === "kvkey") return dir;
      } catch {
        // not ours; keep walking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("kvkey's package.json was not found above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** The built binary (dist/kvkey.js), for starting kvkey as a background process. */
export function binaryPath(): string {
  return join(packageRoot(), "dist", "kvkey.js");
}
