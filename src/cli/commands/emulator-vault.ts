import { resolve } from "node:path";
import { defineCommand, type RawOptions } from "../spec.js";
import { CliError, ServiceError, UsageError } from "../errors.js";
import { integer, threeState } from "../args/values.js";
import { ensureHome } from "../config.js";
import type { CommandContext } from "../context.js";
import type { Emulator, Vault } from "../../emulator/index.js";
import { str } from "./shared.js";

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
  const name = str(raw, "name");
  if (name === undefined) throw new UsageError("the following arguments are required: --name/-n");
  const dataDir = str(raw, "dataDir");
  return { name, kind: raw.hsm === true ? "managedhsm" : "vault", dataDir: dataDir === undefined ? undefined : resolve(cwd, dataDir) };
}

/** The ARM-style view of a container: property names as `az keyvault show` prints them. */
function vaultView(vault: Vault): Record<string, unknown> {
  return {
    enablePurgeProtection: vault.purgeProtection,
    enableSoftDelete: true,
    kind: vault.kind,
    name: vault.name,
    softDeleteRetentionInDays: vault.retentionDays,
    vaultUri: `https://${vault.name}.${vault.kind}.localhost/`,
  };
}

async function withEmulator<T>(ctx: CommandContext, dataDir: string | undefined, work: (emulator: Emulator) => T): Promise<T> {
  const dir = dataDir ?? ctx.home;
  ensureHome(dir);
  const { createEmulator } = await import("../../emulator/index.js");
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
    RetentionDays: v.softDeleteRetentionInDays,
    PurgeProtection: v.enablePurgeProtection,
    VaultUri: v.vaultUri,
  }));
}

export const emulatorVaultCreateCommand = defineCommand({
  path: ["emulator", "vault", "create"],
  summary: "Create an emulated key vault or managed HSM, or change its soft-delete settings.",
  description:
    "Vaults are also created on their first key; this sets what ARM would: soft-delete retention and purge protection, with ARM's rules: " +
    "purge protection cannot be turned off once on, and the retention is set once (when the vault is created, or by one later change of the default 90 days), then fixed.",
  options: [
    NAME_OPTION,
    HSM_OPTION,
    { flags: "--retention-days <days>", help: "Soft-delete retention in days (7-90).", defaultText: "90" },
    { flags: "--enable-purge-protection [bool]", help: "Refuse purges; deleted keys go only when their retention ends.", choices: ["false", "true"] },
    DATA_DIR_OPTION,
  ],
  examples: [
    { title: "A vault whose deleted keys are kept 7 days and cannot be purged.", command: "kvkey emulator vault create -n demo --retention-days 7 --enable-purge-protection" },
    { title: "A managed HSM.", command: "kvkey emulator vault create -n myhsm --hsm" },
  ],
  parse(raw, { commandName, cwd }) {
    return {
      ...target(raw, cwd),
      retentionDays: integer("--retention-days", str(raw, "retentionDays")),
      purgeProtection: threeState(commandName, "--enable-purge-protection", raw.enablePurgeProtection as string | boolean | undefined),
    };
  },
  async run(o, ctx) {
    return withEmulator(ctx, o.dataDir, (emulator) => {
      const settings: { retentionDays?: number; purgeProtection?: boolean } = {};
      if (o.retentionDays !== undefined) settings.retentionDays = o.retentionDays;
      if (o.purgeProtection !== undefined) settings.purgeProtection = o.purgeProtection;
      try {
        return vaultView(emulator.configureVault({ name: o.name, kind: o.kind, ...settings }));
      } catch (err) {
        // What ARM refuses (purge protection off again, a retention already set) reads as az prints it.
        if ((err as { code?: unknown }).code === "BadRequest") throw new ServiceError(`(BadRequest) ${(err as Error).message}`, 400, "BadRequest");
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
  parse: (raw, { cwd }) => ({ dataDir: str(raw, "dataDir") === undefined ? undefined : resolve(cwd, str(raw, "dataDir")!) }),
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
  options: [NAME_OPTION, HSM_OPTION, DATA_DIR_OPTION],
  examples: [{ title: "Start over with an empty vault 'demo'.", command: "kvkey emulator vault delete -n demo" }],
  parse: (raw, { cwd }) => target(raw, cwd),
  async run(o, ctx) {
    return withEmulator(ctx, o.dataDir, (emulator) => {
      if (!emulator.deleteVault({ name: o.name, kind: o.kind })) {
        throw new CliError(`The ${o.kind === "vault" ? "vault" : "managed HSM"} '${o.name}' does not exist in this emulator.`);
      }
      return undefined;
    });
  },
});
