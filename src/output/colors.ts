import { Chalk } from "chalk";
import type { JsonPalette } from "./json.js";
import type { YamlPalette } from "./yaml.js";

// The colours az gets from Pygments' TerminalFormatter for jsonc/yamlc: keys bright blue, strings
// yellow, numbers and true/false/null blue (YAML leaves plain scalars uncoloured). The caller decides
// whether colour is wanted, so chalk's own terminal detection is bypassed with a fixed level.

const paint = new Chalk({ level: 1 });

export const JSON_COLORS: JsonPalette = {
  key: (text) => paint.blueBright(text),
  string: (text) => paint.yellow(text),
  number: (text) => paint.blue(text),
  literal: (text) => paint.blue(text),
};

export const YAML_COLORS: YamlPalette = {
  key: (text) => paint.blueBright(text),
  quoted: (text) => paint.yellow(text),
};
