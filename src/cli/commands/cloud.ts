import { defineCommand } from "../spec.js";
import { CLOUDS, findCloud, type Cloud } from "../../vault-client/clouds.js";
import { UsageError, ValidationError } from "../errors.js";
import { readConfig, writeConfig } from "../config.js";
import type { CommandContext } from "../context.js";
import { rawString } from "../args/raw.js";
import { unknownCloud } from "../settings.js";

// `kvkey cloud list|show|set`, shaped like az's cloud objects (endpoints, suffixes, isActive, name,
// profile) with only the members that matter to Key Vault.

function cloudView(cloud: Cloud, active: boolean): Record<string, unknown> {
  return {
    endpoints: {
      activeDirectory: cloud.activeDirectory ?? null,
      ...(cloud.local ? { emulator: cloud.endpoint ?? null } : {}),
      resourceManager: cloud.resourceManager ?? null,
    },
    isActive: active,
    name: cloud.name,
    profile: "latest",
    suffixes: { keyvaultDns: cloud.keyvaultDns, mhsmDns: cloud.mhsmDns },
  };
}

function cloudsTable(result: unknown): unknown {
  const rows = Array.isArray(result) ? result : [result];
  return rows.map((r: Record<string, unknown>) => ({
    IsActive: r.isActive,
    Name: r.name,
    Profile: r.profile,
    KeyVaultDns: (r.suffixes as Record<string, string>).keyvaultDns,
    MhsmDns: (r.suffixes as Record<string, string>).mhsmDns,
  }));
}

function named(name: string): Cloud {
  const cloud = findCloud(name);
  if (!cloud) {
    throw new ValidationError(unknownCloud(name));
  }
  return cloud;
}

export const cloudListCommand = defineCommand({
  path: ["cloud", "list"],
  summary: "List the clouds kvkey can target.",
  options: [],
  examples: [{ title: "List clouds and see which one is active.", command: "kvkey cloud list -o table" }],
  parse: () => ({}),
  async run(_o, ctx: CommandContext) {
    return CLOUDS.map((c) => cloudView(c, c.name === ctx.cloud.name));
  },
  tableView: cloudsTable,
});

export const cloudShowCommand = defineCommand({
  path: ["cloud", "show"],
  summary: "Get the details of a cloud (the active one by default).",
  options: [{ flags: "-n, --name <name>", help: "Name of a registered cloud.", defaultText: "the active cloud" }],
  examples: [
    { title: "Show the active cloud.", command: "kvkey cloud show" },
    { title: "Show the DNS suffixes of Azure China.", command: "kvkey cloud show --name AzureChinaCloud --query suffixes" },
  ],
  parse: (raw) => ({ name: rawString(raw, "name") }),
  async run(o, ctx) {
    const cloud = o.name === undefined || named(o.name).name === ctx.cloud.name ? ctx.cloud : named(o.name);
    return cloudView(cloud, cloud.name === ctx.cloud.name);
  },
  tableView: cloudsTable,
});

export const cloudSetCommand = defineCommand({
  path: ["cloud", "set"],
  summary: "Set the active cloud.",
  description:
    "The choice is saved in $KVKEY_HOME/config.json. --cloud, KVKEY_CLOUD and AZURE_CLOUD_NAME still override it for a single command.",
  options: [
    { flags: "-n, --name <name>", help: "Name of a registered cloud.", required: true },
    {
      flags: "--endpoint <url>",
      help: 'Local only: the served emulator to use instead of the embedded vault, e.g. https://localhost:8443 ("" for the embedded vault again). KVKEY_EMULATOR_URL overrides it.',
    },
  ],
  examples: [
    { title: "Target Azure from now on (credentials from az login).", command: "kvkey cloud set --name AzureCloud" },
    { title: "Go back to the local emulated vault.", command: "kvkey cloud set --name Local" },
    { title: "Use the served emulator (kvkey emulator start) for --vault-name and --hsm-name.", command: "kvkey cloud set --name Local --endpoint https://localhost:8443" },
  ],
  parse(raw) {
    const name = rawString(raw, "name");
    if (name === undefined) throw new UsageError("the following arguments are required: --name/-n");
    const endpoint = rawString(raw, "endpoint");
    if (endpoint !== undefined && endpoint !== "") {
      let url: URL | undefined;
      try {
        url = new URL(endpoint);
      } catch {
        url = undefined;
      }
      if (!url || url.protocol !== "https:") throw new UsageError(`argument --endpoint: '${endpoint}' is not an https URL`);
    }
    return { name, endpoint };
  },
  async run(o, ctx) {
    const cloud = named(o.name);
    if (o.endpoint !== undefined && !cloud.local) throw new ValidationError("--endpoint applies to the Local cloud only.");
    const config = readConfig(ctx.home);
    const endpoint = o.endpoint === undefined ? config.cloud?.endpoint : o.endpoint === "" ? undefined : o.endpoint;
    if (config.cloud?.name === cloud.name && config.cloud?.endpoint === endpoint) return undefined;
    const next: NonNullable<typeof config.cloud> = { ...config.cloud, name: cloud.name };
    if (endpoint && cloud.local) next.endpoint = endpoint;
    else delete next.endpoint;
    writeConfig(ctx.home, { ...config, cloud: next });
    ctx.warn(`Switched active cloud to '${cloud.name}'.`);
    if (!cloud.local) ctx.warn("Use 'az login' to log in to this cloud (kvkey uses the same credentials).");
    if (ctx.cloudSource === "--cloud" || ctx.cloudSource === "KVKEY_CLOUD" || ctx.cloudSource === "AZURE_CLOUD_NAME") {
      ctx.warn(`${ctx.cloudSource} is set and still overrides the saved cloud for commands run this way.`);
    }
    return undefined;
  },
});
