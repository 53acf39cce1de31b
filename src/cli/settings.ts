import { join } from "node:path";
import { CLOUDS, findCloud } from "../vault-client/clouds.js";
import { readConfig, type KvkeyConfig } from "./config.js";
import { UsageError, ValidationError } from "./errors.js";
import { OUTPUT_CHOICES } from "./globals.js";
import { closest } from "./suggest.js";

// The settings `kvkey config set|get|unset|list` manages, as az names them: `section.name` in the
// config file ($KVKEY_HOME/config.json here, ~/.azure/config for az), each overridable by the
// environment variable AZURE_{SECTION}_{NAME} (knack's rule: the environment beats the file, a flag
// beats both). `cloud.name` keeps az's own AZURE_CLOUD_NAME; `cloud.endpoint` is kvkey's
// KVKEY_EMULATOR_URL. az has no default vault (no keyvault argument declares a configured default),
// so `defaults.vault` and `defaults.hsm` are kvkey's, named the way az names its defaults.

export interface SettingSpec {
  /** "core.output". */
  key: string;
  description: string;
  /** The environment variable that overrides the file. */
  env: string;
  /** Allowed values (booleans list true/false); undefined for free text. */
  allowed?: readonly string[];
  /** Checks and normalises a value being set; throws a ValidationError with az-style text. */
  normalize(value: string): string;
}

const BOOLEAN_WORDS: Record<string, boolean> = { true: true, yes: true, on: true, "1": true, false: false, no: false, off: false, "0": false };

/** configparser's getboolean: true/yes/on/1 and false/no/off/0, any case. */
export function parseBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value !== "string") return undefined;
  return BOOLEAN_WORDS[value.trim().toLowerCase()];
}

function booleanSetting(key: string, description: string): SettingSpec {
  return {
    key,
    description,
    env: azEnvName(key),
    allowed: ["true", "false"],
    normalize(value) {
      const parsed = parseBoolean(value);
      if (parsed === undefined) throw new ValidationError(`Invalid value '${value}' for '${key}': use true or false.`);
      return String(parsed);
    },
  };
}

const NAME = /^[A-Za-z0-9-]{1,24}$/;

function nameSetting(key: string, description: string): SettingSpec {
  return {
    key,
    description,
    env: azEnvName(key),
    normalize(value) {
      if (!NAME.test(value)) throw new ValidationError(`Invalid value '${value}' for '${key}': a name is 1-24 letters, digits and dashes.`);
      return value;
    },
  };
}

/** knack's environment name for a setting: AZURE_{SECTION}_{NAME}, upper case. */
export function azEnvName(key: string): string {
  return `AZURE_${key.replace(".", "_").toUpperCase()}`;
}

export const SETTINGS: readonly SettingSpec[] = [
  {
    key: "core.output",
    description: "The default output format (--output).",
    env: "AZURE_CORE_OUTPUT",
    allowed: OUTPUT_CHOICES,
    normalize(value) {
      const found = OUTPUT_CHOICES.find((c) => c === value.toLowerCase());
      if (!found) throw new ValidationError(`Invalid value '${value}' for 'core.output'. Allowed values: ${OUTPUT_CHOICES.join(", ")}.`);
      return found;
    },
  },
  booleanSetting("core.no_color", "Turn colour off, as NO_COLOR does."),
  booleanSetting("core.only_show_errors", "Only show errors, suppressing warnings (--only-show-errors)."),
  booleanSetting("core.disable_confirmation_prompt", "Never ask before delete or purge, even on a terminal (--yes)."),
  nameSetting("defaults.vault", "The vault for --vault-name when no --id, --vault-name or --hsm-name is given."),
  nameSetting("defaults.hsm", "The managed HSM for --hsm-name when no --id, --vault-name or --hsm-name is given."),
  {
    key: "cloud.name",
    description: "The active cloud (kvkey cloud set).",
    env: "AZURE_CLOUD_NAME",
    allowed: CLOUDS.map((c) => c.name),
    normalize(value) {
      const cloud = findCloud(value);
      if (!cloud) throw new ValidationError(unknownCloud(value));
      return cloud.name;
    },
  },
  {
    key: "cloud.endpoint",
    description: "Local cloud only: the served emulator to use instead of the embedded vault (kvkey cloud set --endpoint).",
    env: "KVKEY_EMULATOR_URL",
    normalize(value) {
      let url: URL | undefined;
      try {
        url = new URL(value);
      } catch {
        url = undefined;
      }
      if (!url || url.protocol !== "https:") throw new ValidationError(`Invalid value '${value}' for 'cloud.endpoint': use an https URL.`);
      return value;
    },
  },
];

/** "The cloud 'AzureCloudd' is not registered. Did you mean 'AzureCloud'? Known clouds: ..." */
export function unknownCloud(name: string, source?: string): string {
  const names = CLOUDS.map((c) => c.name);
  const guess = closest(name.toLowerCase(), names.map((n) => n.toLowerCase()));
  const meant = guess === undefined ? undefined : names.find((n) => n.toLowerCase() === guess);
  return `The cloud '${name}'${source ? ` (from ${source})` : ""} is not registered.${meant ? ` Did you mean '${meant}'?` : ""} Known clouds: ${names.join(", ")}.`;
}

export function findSetting(key: string): SettingSpec {
  const found = SETTINGS.find((s) => s.key === key.toLowerCase());
  if (found) return found;
  const guess = closest(key, SETTINGS.map((s) => s.key));
  throw new ValidationError(
    `Unknown configuration '${key}'.${guess ? ` Did you mean '${guess}'?` : ""} Run 'kvkey config list' to see every setting.`,
  );
}

/** "section.name" -> ["section", "name"], with az's usage error for anything else. */
export function splitKey(key: string, usage: string): [string, string] {
  const dot = key.indexOf(".");
  if (dot <= 0 || dot === key.length - 1) throw new UsageError(usage);
  return [key.slice(0, dot), key.slice(dot + 1)];
}

export interface SettingValue {
  name: string;
  /** The file or environment variable the value came from, as `az config get` reports it. */
  source: string;
  value: string;
}

function fileValue(config: KvkeyConfig, key: string): string | undefined {
  const [section, name] = key.split(".") as [string, string];
  const value = (config as Record<string, Record<string, unknown> | undefined>)[section]?.[name];
  if (value === undefined || value === null || value === "") return undefined;
  return String(value);
}

/** A setting's effective value: its environment variable, else the config file, else undefined. */
export function settingValue(
  key: string,
  env: Record<string, string | undefined>,
  config: KvkeyConfig,
  home: string,
): SettingValue | undefined {
  const spec = findSetting(key);
  const name = spec.key.split(".")[1]!;
  const fromEnv = env[spec.env];
  if (fromEnv !== undefined && fromEnv !== "") return { name, source: spec.env, value: fromEnv };
  const fromFile = fileValue(config, spec.key);
  return fromFile === undefined ? undefined : { name, source: configFile(home), value: fromFile };
}

export function configFile(home: string): string {
  return join(home, "config.json");
}

/** What commands need from the settings, read once per command. */
export interface Settings {
  noColor: boolean;
  onlyShowErrors: boolean;
  disableConfirmationPrompt: boolean;
  defaultVault?: string;
  defaultHsm?: string;
}

/**
 * The settings in effect. Never throws for a broken config file: the command that reads the file for
 * real (cloud, output) reports that, and --help keeps working.
 */
export function loadSettings(env: Record<string, string | undefined>, home: string): Settings {
  let config: KvkeyConfig = {};
  try {
    config = readConfig(home);
  } catch {
    config = {};
  }
  const value = (key: string) => settingValue(key, env, config, home)?.value;
  const settings: Settings = {
    noColor: parseBoolean(value("core.no_color")) === true,
    onlyShowErrors: parseBoolean(value("core.only_show_errors")) === true,
    disableConfirmationPrompt: parseBoolean(value("core.disable_confirmation_prompt")) === true,
  };
  const vault = value("defaults.vault");
  const hsm = value("defaults.hsm");
  if (vault) settings.defaultVault = vault;
  if (hsm) settings.defaultHsm = hsm;
  return settings;
}
