import { describe, expect, test } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { COMMANDS } from "../../src/cli/registry.js";
import { COMMAND_INDEX } from "../../src/cli/command-index.generated.js";
import { renderCommandIndex, type CommandModules } from "../../src/cli/command-index-render.js";
import { findCommand } from "../../src/cli/lookup.js";

// dispatch runs commands from the generated index, never the registry: these tests keep the two equal.

describe("src/cli/command-index.generated.ts", () => {
  test("matches the registry (regenerate with `npm run docs`)", async () => {
    const dir = new URL("../../src/cli/commands/", import.meta.url);
    const modules: Record<string, Record<string, unknown>> = {};
    for (const file of readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"))) {
      modules[file] = (await import(new URL(file, dir).href)) as Record<string, unknown>;
    }
    const onDisk = readFileSync(new URL("../../src/cli/command-index.generated.ts", import.meta.url), "utf8");
    expect(onDisk).toBe(renderCommandIndex(modules as CommandModules));
  });

  test("each entry loads the registry's own declaration, with the same words and summary", async () => {
    expect(COMMAND_INDEX.map((c) => c.path.join(" "))).toEqual(COMMANDS.map((c) => c.path.join(" ")));
    for (const [i, entry] of COMMAND_INDEX.entries()) {
      const spec = await entry.load();
      expect(spec).toBe(COMMANDS[i]);
      expect(entry.summary).toBe(spec.summary);
      expect(entry.preview ?? false).toBe(spec.preview ?? false);
    }
  });

  test("a command declared twice is refused rather than indexed ambiguously", () => {
    const spec = COMMANDS[0]!;
    expect(() => renderCommandIndex({ "a.ts": { one: spec }, "b.ts": { two: spec } })).toThrow(/declared in 2 command modules/);
  });
});

describe("findCommand", () => {
  test("takes the longest matching words and returns the rest", () => {
    const found = findCommand(COMMAND_INDEX, ["rotation-policy", "show", "--name", "k"]);
    expect(found?.command.path).toEqual(["rotation-policy", "show"]);
    expect(found?.rest).toEqual(["--name", "k"]);
    expect(findCommand(COMMAND_INDEX, ["rotation-policy"])).toBeUndefined();
    expect(findCommand(COMMAND_INDEX, ["emulator", "vault", "list"])?.command.path).toEqual(["emulator", "vault", "list"]);
  });
});
