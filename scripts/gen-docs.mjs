// Regenerates docs/commands.md from the command definitions (run after `npm run build`).
import { writeFileSync } from "node:fs";
import { renderReference } from "../dist/cli/reference-doc.js";

writeFileSync(new URL("../docs/commands.md", import.meta.url), renderReference());
console.log("wrote docs/commands.md");
