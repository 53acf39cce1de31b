import type { OptionSpec } from "./spec.js";

export const GLOBAL_GROUP = "Global Arguments";

export const OUTPUT_CHOICES = ["json", "jsonc", "none", "table", "tsv", "yaml", "yamlc"] as const;

/** Arguments every command accepts, as in az, plus kvkey's --cloud. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { flags: "--cloud <name>", help: "The cloud to resolve --vault-name/--hsm-name in (Local, AzureCloud, AzureChinaCloud, AzureUSGovernment). Default: the active cloud (`kvkey cloud show`).", group: GLOBAL_GROUP, complete: "clouds" },
  { flags: "--debug", help: "Increase logging verbosity to show all debug logs, including every HTTP exchange (never tokens or key material).", group: GLOBAL_GROUP },
  { flags: "-h, --help", help: "Show this help message and exit.", group: GLOBAL_GROUP },
  { flags: "--only-show-errors", help: "Only show errors, suppressing warnings.", group: GLOBAL_GROUP },
  { flags: "-o, --output <format>", help: "Output format.", choices: OUTPUT_CHOICES, defaultText: "json", group: GLOBAL_GROUP },
  { flags: "--query <jmespath>", help: "JMESPath query string. See https://jmespath.org/ for more information and examples.", group: GLOBAL_GROUP },
  { flags: "--subscription <id>", help: "Name or ID of subscription. On Azure, az's account (user and tenant) for this subscription gets the token; the local vaults ignore it.", group: GLOBAL_GROUP },
  { flags: "--verbose", help: "Increase logging verbosity. Use --debug for full debug logs.", group: GLOBAL_GROUP },
];
