import { defineCommand, type RawOptions } from "../spec.js";
import { readConfig, writeConfig, type KvkeyConfig } from "../config.js";
import { ValidationError } from "../errors.js";
import { findSetting, SETTINGS, settingValue, splitKey, type SettingValue } from "../settings.js";
import { fitColumns } from "../views/tables.js";
import type { CommandContext } from "../context.js";

// `kvkey config set|get|unset|list`, shaped like `az config`: `section.name=value` arguments, nothing
// printed by set and unset, `get` answering {name, source, value} objects where source is the file
// or the environment variable the value comes from. Unlike az, only the settings kvkey uses are
// accepted (a typo is an error with a suggestion, not a silently ignored entry); `list` shows them all.

const SET_USAGE = "usage error: [section].[name]=[value] ...";
const UNSET_USAGE = "usage error: [section].[name]";

type Sections = Record<string, Record<string, unknown> | undefined>;

function strings(raw: RawOptions, key: string): string[] {
  const value = raw[key];
  return Array.isArray(value) ? (value as string[]) : typeof value === "string" ? [value] : [];
}

function withValue(config: KvkeyConfig, key: string, value: string | undefined): KvkeyConfig {
  const [section, name] = key.split(".") as [string, string];
  const sections = { ...(config as Sections) };
  const entries = { ...sections[section] };
  if (value === undefined) delete entries[name];
  else entries[name] = value;
  if (Object.keys(entries).length) sections[section] = entries;
  else delete sections[section];
  return sections as KvkeyConfig;
}

function overriddenWarning(ctx: CommandContext, key: string): void {
  const spec = findSetting(key);
  if (ctx.io.env[spec.env]) ctx.warn(`${spec.env} is set in the environment and overrides '${spec.key}' for commands run with it.`);
}

export const configSetCommand = defineCommand({
  path: ["config", "set"],
  summary: "Set a configuration.",
  description:
    "Saved in $KVKEY_HOME/config.json. The environment variable AZURE_{SECTION}_{NAME} (AZURE_CORE_OUTPUT, AZURE_CORE_NO_COLOR, ...) overrides a saved value, and a flag overrides both. An empty value ('' or \"\") removes the setting. Run 'kvkey config list' for every setting and its allowed values.",
  options: [],
  args: [
    {
      name: "key_value",
      help: "Space-separated configurations in the form of [section].[name]=[value].",
      required: true,
      variadic: true,
      complete: "setting-assignments",
    },
  ],
  examples: [
    { title: "Print tables by default.", command: "kvkey config set core.output=table" },
    { title: "Use the vault 'demo' when no --vault-name, --hsm-name or --id is given.", command: "kvkey config set defaults.vault=demo" },
    { title: "Turn colour off and hide warnings.", command: "kvkey config set core.no_color=true core.only_show_errors=true" },
  ],
  parse(raw) {
    return strings(raw, "keyValue").map((pair) => {
      const eq = pair.indexOf("=");
      if (eq < 0) throw new ValidationError(SET_USAGE);
      const key = pair.slice(0, eq);
      splitKey(key, SET_USAGE);
      const text = pair.slice(eq + 1);
      const spec = findSetting(key);
      const empty = text === "" || text === "''" || text === '""';
      return { key: spec.key, value: empty ? undefined : spec.normalize(text) };
    });
  },
  async run(pairs, ctx) {
    let config = readConfig(ctx.home);
    for (const { key, value } of pairs) {
      config = withValue(config, key, value);
      overriddenWarning(ctx, key);
    }
    writeConfig(ctx.home, config);
    return undefined;
  },
});

export const configGetCommand = defineCommand({
  path: ["config", "get"],
  summary: "Get a configuration.",
  options: [],
  args: [{ name: "key", help: "The configuration to get: a section followed by a dot (core.) for all its values, or nothing for everything set.", complete: "setting-keys" }],
  examples: [
    { title: "Get all configured options.", command: "kvkey config get" },
    { title: "Get the configured default vault.", command: "kvkey config get defaults.vault" },
    { title: "Get options in the core section. Note that core is followed by a dot (.).", command: "kvkey config get core." },
  ],
  parse: (raw) => ({ key: strings(raw, "key")[0] }),
  async run(o, ctx) {
    const config = readConfig(ctx.home);
    const value = (key: string) => settingValue(key, ctx.io.env, config, ctx.home);
    const section = (name: string): SettingValue[] =>
      SETTINGS.filter((s) => s.key.startsWith(`${name}.`))
        .map((s) => value(s.key))
        .filter((v): v is SettingValue => v !== undefined);
    if (o.key === undefined || o.key === "") {
      const all: Record<string, SettingValue[]> = {};
      for (const name of new Set(SETTINGS.map((s) => s.key.split(".")[0]!))) {
        const items = section(name);
        if (items.length) all[name] = items;
      }
      return all;
    }
    const dot = o.key.indexOf(".");
    if (dot < 0 || dot === o.key.length - 1) return section(dot < 0 ? o.key : o.key.slice(0, dot));
    const found = value(findSetting(o.key).key);
    if (!found) throw new ValidationError(`Configuration '${o.key}' is not set.`);
    return found;
  },
  // az's shapes (one {name, source, value}, a section's list, or everything by section) as one table.
  tableView(result, _width, o) {
    const row = (item: unknown, section: string | undefined) => {
      const v = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>;
      return { Name: section ? `${section}.${String(v.name)}` : v.name, Value: v.value ?? "", Source: v.source ?? "" };
    };
    const asked = o?.key ? o.key.split(".")[0] : undefined;
    if (Array.isArray(result)) return result.map((item) => row(item, asked));
    const r = (typeof result === "object" && result !== null ? result : {}) as Record<string, unknown>;
    if ("name" in r && "value" in r) return [row(r, asked)];
    return Object.entries(r).flatMap(([section, items]) => (Array.isArray(items) ? items : []).map((item) => row(item, section)));
  },
});

export const configUnsetCommand = defineCommand({
  path: ["config", "unset"],
  summary: "Unset a configuration.",
  options: [],
  args: [{ name: "key", help: "Space-separated configurations in the form of [section].[name].", required: true, variadic: true, complete: "setting-keys" }],
  examples: [
    { title: "Go back to JSON output.", command: "kvkey config unset core.output" },
    { title: "Forget the default vault.", command: "kvkey config unset defaults.vault" },
  ],
  parse(raw) {
    return strings(raw, "key").map((key) => {
      splitKey(key, UNSET_USAGE);
      return findSetting(key).key;
    });
  },
  async run(keys, ctx) {
    let config = readConfig(ctx.home);
    for (const key of keys) config = withValue(config, key, undefined);
    writeConfig(ctx.home, config);
    return undefined;
  },
});

export const configListCommand = defineCommand({
  path: ["config", "list"],
  summary: "List every setting kvkey reads, with its value, where the value comes from and what it may be.",
  options: [],
  examples: [{ title: "See every setting and its current value.", command: "kvkey config list -o table" }],
  parse: () => ({}),
  async run(_o, ctx) {
    const config = readConfig(ctx.home);
    return SETTINGS.map((s) => {
      const current = settingValue(s.key, ctx.io.env, config, ctx.home);
      return {
        allowed: s.allowed ?? null,
        description: s.description,
        env: s.env,
        name: s.key,
        source: current?.source ?? null,
        value: current?.value ?? null,
      };
    });
  },
  tableView(result, width) {
    const rows = (Array.isArray(result) ? result : []).map((r: Record<string, unknown>) => ({
      Name: r.name,
      Value: r.value ?? "",
      Source: r.source === null ? "" : r.source === undefined ? "" : String(r.source),
      Description: r.description,
    }));
    return fitColumns(rows, width, [{ drop: "Description" }, { drop: "Source" }]);
  },
});
