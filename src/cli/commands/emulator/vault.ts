import { resolve } from "node:path";
import { defineCommand, type RawOptions } from "../../spec.js";
import { CliError, ServiceError, UsageError, ValidationError } from "../../errors.js";
import { choice, integer, threeState } from "../../args/values.js";
import { ensureHome } from "../../config.js";
import type { CommandContext } from "../../context.js";
import type { Emulator, Vault, VaultConfiguration } from "../../../emulator/index.js";
import { rawList, rawString } from "../../args/raw.js";
import { YES_OPTION } from "../../args/common-options.js";
import { odataText } from "../../error-report.js";

// `kvkey emulator vault create|list|show|delete`: the container settings real vaults get from ARM
// (kind, soft-delete retention, purge protection), for the emulator's data directory. A running
// served emulator shares the database, so changes apply to it at once.

const NAME_OPTION = { flags: "-n, --name <name>", help: "Name of the vault or managed HSM.", required: true };
const HSM_OPTION = { flags: "--hsm", help: "The container is a Managed HSM ({name}.managedhsm.localhost) rather than a key vault." };
const DATA_DIR_OPTION = { flags: "--data-dir <dir>", help: "Data directory of the emulator.", defaultText: "$KVKEY_HOME (~/.kvkey)" };

interface Target {
  name: string;
  kind: "vault" | "managedhsm";
  dataDir: string | undefined;
}

function target(raw: RawOptions, cwd: string): Target {
  const name = rawString(raw, "name");
  if (name === undefined) throw new UsageError("the following arguments are required: --name/-n");
  const dataDir = rawString(raw, "dataDir");
  return { name, kind: raw.hsm === true ? "managedhsm" : "vault", dataDir: dataDir === undefined ? undefined : resolve(cwd, dataDir) };
}

/**
 * The ARM-style view of a container: property names as `az keyvault show` prints them (`sku` as ARM
 * writes it: family A and standard|premium for a vault, family B and Standard_B1 for a Managed HSM).
 */
function vaultView(vault: Vault): Record<string, unknown> {
  return {
    enablePurgeProtection: vault.purgeProtection,
    enableRbacAuthorization: vault.rbacAuthorization,
    enableSoftDelete: true,
    kind: vault.kind,
    name: vault.name,
    sku: vault.kind === "vault" ? { family: "A", name: vault.sku } : { family: "B", name: "Standard_B1" },
    softDeleteRetentionInDays: vault.retentionDays,
    vaultUri: `https://${vault.name}.${vault.kind}.localhost/`,
  };
}

/** kvkey's own principal (the oid of the CLI's tokens); the emulator's LOCAL_PRINCIPAL_ID, not loaded for --help. */
const LOCAL_PRINCIPAL_ID = "00000000-0000-0000-0000-000000000001";

async function withEmulator<T>(ctx: CommandContext, dataDir: string | undefined, work: (emulator: Emulator) => T): Promise<T> {
  const dir = dataDir ?? ctx.home;
  ensureHome(dir);
  const { createEmulator } = await import("../../../emulator/index.js");
  const emulator = createEmulator({ dataDir: dir });
  try {
    return work(emulator);
  } finally {
    emulator.close();
  }
}

function vaultsTable(result: unknown): unknown {
  const rows = Array.isArray(result) ? result : [result];
  return rows.map((v: Record<string, unknown>) => ({
    Name: v.name,
    Kind: v.kind,
    Sku: (v.sku as { name?: string } | undefined)?.name,
    Rbac: v.enableRbacAuthorization,
    RetentionDays: v.softDeleteRetentionInDays,
    PurgeProtection: v.enablePurgeProtection,
    VaultUri: v.vaultUri,
  }));
}

export const emulatorVaultCreateCommand = defineCommand({
  path: ["emulator", "vault", "create"],
  summary: "Create an emulated key vault or managed HSM, or change its settings.",
  description:
    "Vaults are also created on their first key; this sets what ARM would: soft-delete retention, purge protection, the SKU and RBAC authorization, with ARM's rules: " +
    "purge protection cannot be turned off once on, and the retention is set once (when the vault is created, or by one later change of the default 90 days), then fixed.",
  options: [
    NAME_OPTION,
    HSM_OPTION,
    { flags: "--retention-days <days>", help: "Soft-delete retention in days (7-90).", defaultText: "90" },
    { flags: "--enable-purge-protection [bool]", help: "Refuse purges; deleted keys go only when their retention ends.", choices: ["false", "true"] },
    {
      flags: "--sku <sku>",
      help: "A key vault's pricing tier: standard refuses HSM-protected keys (RSA-HSM, EC-HSM) as Azure does. az's default is standard; the emulator's is premium, which takes every key.",
      choices: ["premium", "standard"],
      defaultText: "premium (for a new vault; unchanged for an existing one)",
    },
    {
      flags: "--enable-rbac-authorization [bool]",
      help: "Authorize requests with role assignments (the caller is the token's oid): `kvkey emulator role assignment create`. A managed HSM's local RBAC is switched on the same way.",
      choices: ["false", "true"],
    },
    {
      flags: "--administrators <oids...>",
      help: "Managed HSM only: object ids made Managed HSM Administrators (scope /), as az keyvault create --hsm-name --administrators does.",
      defaultText: "kvkey's own principal when RBAC is switched on for a new HSM",
    },
    DATA_DIR_OPTION,
  ],
  examples: [
    { title: "A vault whose deleted keys are kept 7 days and cannot be purged.", command: "kvkey emulator vault create -n demo --retention-days 7 --enable-purge-protection" },
    { title: "A managed HSM.", command: "kvkey emulator vault create -n myhsm --hsm" },
    { title: "A Standard vault, which refuses HSM keys as an az-created vault does.", command: "kvkey emulator vault create -n std --sku standard" },
    { title: "A vault that checks role assignments.", command: "kvkey emulator vault create -n locked --enable-rbac-authorization" },
  ],
  parse(raw, { commandName, cwd }) {
    const where = target(raw, cwd);
    const skuText = rawString(raw, "sku");
    const sku = skuText === undefined ? undefined : choice(commandName, "--sku", skuText.toLowerCase(), ["premium", "standard"] as const);
    if (sku === "standard" && where.kind === "managedhsm") throw new ValidationError("--sku standard applies to key vaults: a managed HSM holds HSM keys only.");
    const administrators = rawList(raw, "administrators");
    if (administrators !== undefined && where.kind !== "managedhsm") {
      throw new ValidationError("--administrators applies to a managed HSM (--hsm); a key vault's roles are assigned with `kvkey emulator role assignment create --vault-name`.");
    }
    return {
      ...where,
      retentionDays: integer("--retention-days", rawString(raw, "retentionDays")),
      purgeProtection: threeState(commandName, "--enable-purge-protection", raw.enablePurgeProtection as string | boolean | undefined),
      sku,
      rbac: threeState(commandName, "--enable-rbac-authorization", raw.enableRbacAuthorization as string | boolean | undefined),
      administrators,
    };
  },
  async run(o, ctx) {
    return withEmulator(ctx, o.dataDir, (emulator) => {
      const settings: Omit<VaultConfiguration, "name" | "kind"> = {};
      if (o.retentionDays !== undefined) settings.retentionDays = o.retentionDays;
      if (o.purgeProtection !== undefined) settings.purgeProtection = o.purgeProtection;
      if (o.sku !== undefined) settings.sku = o.sku;
      if (o.rbac !== undefined) settings.rbacAuthorization = o.rbac;
      // A new HSM switched to RBAC gets an administrator, or nobody could ever assign a role over its data
      // plane: the ones named, else kvkey's own principal (what the CLI's tokens carry).
      const isNew = !emulator.getVault({ name: o.name, kind: o.kind });
      const administrators = o.administrators ?? (o.kind === "managedhsm" && o.rbac && isNew ? [LOCAL_PRINCIPAL_ID] : undefined);
      if (administrators !== undefined) settings.administrators = administrators;
      try {
        return vaultView(emulator.configureVault({ name: o.name, kind: o.kind, ...settings }));
      } catch (err) {
        // What ARM refuses (purge protection off again, a retention already set) reads as az prints an
        // ARM error: azure-core's three lines.
        if ((err as { code?: unknown }).code === "BadRequest") throw new ServiceError(odataText("BadRequest", (err as Error).message), 400, "BadRequest");
        throw err;
      }
    });
  },
  tableView: vaultsTable,
});

export const emulatorVaultListCommand = defineCommand({
  path: ["emulator", "vault", "list"],
  summary: "List the emulated key vaults and managed HSMs.",
  options: [DATA_DIR_OPTION],
  examples: [{ title: "List vaults and HSMs with their settings.", command: "kvkey emulator vault list -o table" }],
  parse: (raw, { cwd }) => ({ dataDir: rawString(raw, "dataDir") === undefined ? undefined : resolve(cwd, rawString(raw, "dataDir")!) }),
  async run(o, ctx) {
    return withEmulator(ctx, o.dataDir, (emulator) => emulator.listVaults().map(vaultView));
  },
  tableView: vaultsTable,
});

export const emulatorVaultShowCommand = defineCommand({
  path: ["emulator", "vault", "show"],
  summary: "Show an emulated key vault's or managed HSM's settings.",
  options: [NAME_OPTION, HSM_OPTION, DATA_DIR_OPTION],
  examples: [{ title: "Show a vault's soft-delete settings.", command: "kvkey emulator vault show -n demo" }],
  parse: (raw, { cwd }) => target(raw, cwd),
  async run(o, ctx) {
    return withEmulator(ctx, o.dataDir, (emulator) => {
      const vault = emulator.getVault({ name: o.name, kind: o.kind });
      if (!vault) throw new CliError(`The ${o.kind === "vault" ? "vault" : "managed HSM"} '${o.name}' does not exist in this emulator.`);
      return vaultView(vault);
    });
  },
  tableView: vaultsTable,
});

export const emulatorVaultDeleteCommand = defineCommand({
  path: ["emulator", "vault", "delete"],
  summary: "Delete an emulated key vault or managed HSM and every key in it, for good.",
  description:
    "On a terminal it asks first (--yes skips the question). A vault with purge protection is refused, as Azure refuses to purge its keys before their retention ends, unless --force is given.",
  options: [
    NAME_OPTION,
    HSM_OPTION,
    DATA_DIR_OPTION,
    YES_OPTION,
    { flags: "--force", help: "Delete it even when purge protection is on (kvkey's emulator only: Azure never purges a purge-protected vault early)." },
  ],
  examples: [
    { title: "Start over with an empty vault 'demo'.", command: "kvkey emulator vault delete -n demo" },
    { title: "In a script: no question, and purge protection overridden.", command: "kvkey emulator vault delete -n demo --yes --force" },
  ],
  parse: (raw, { cwd }) => ({ ...target(raw, cwd), yes: raw.yes === true, force: raw.force === true }),
  async run(o, ctx) {
    const what = `${o.kind === "vault" ? "vault" : "managed HSM"} '${o.name}'`;
    // Checked before the question: nothing to ask about a vault that is missing or protected.
    const vault = await withEmulator(ctx, o.dataDir, (emulator) => emulator.getVault({ name: o.name, kind: o.kind }));
    if (!vault) throw new CliError(`The ${what} does not exist in this emulator.`);
    if (vault.purgeProtection && !o.force) {
      throw new CliError(
        `The ${what} has purge protection: its keys cannot be purged before their ${vault.retentionDays}-day retention ends, and deleting it would destroy them. Add --force to delete it anyway.`,
      );
    }
    const host = `${o.name}.${o.kind}.localhost`;
    await ctx.confirm(`Are you sure you want to delete the emulated ${what} (https://${host}) and every key in it? This cannot be undone.`, o.yes);
    const deleted = await withEmulator(ctx, o.dataDir, (emulator) => emulator.deleteVault({ name: o.name, kind: o.kind }));
    if (!deleted) throw new CliError(`The ${what} does not exist in this emulator.`);
    return undefined;
  },
});
