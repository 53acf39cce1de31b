import { defineCommand } from "../spec.js";
import { CliError } from "../errors.js";
import { choice } from "../args/values.js";
import { VAULT_ID_OPTIONS } from "../args/id-args.js";
import type { CommandContext } from "../context.js";
import type { IdArgsRaw } from "../args/id-args.js";
import { assessKey, assessVault, failsAt, SEVERITIES, sortFindings, type Addressing, type Finding, type Severity } from "../assess/rules.js";
import { findingsTable } from "../assess/table.js";
import { renderForTerminal } from "../views/tty-table.js";
import { idArgs, vaultTarget } from "../args/key-target.js";
import { withDataDirEmulator } from "../local-emulator.js";
import { DATA_DIR_OPTION, dataDirOf } from "../args/emulator-options.js";

// `kvkey assess`: a best-practice review of a vault's keys (and, for the emulator, of the vault's
// soft-delete settings), each finding with a severity and the kvkey command that fixes it. Only
// data-plane reads, so it works against Azure with read permissions as well (docs/monitoring.md).

/** `--fail-on` found a finding at or above its severity: exit 4, distinct from errors (1) and usage errors (2). */
export class AssessmentFailedError extends CliError {
  override name = "AssessmentFailedError";
  override readonly exitCode = 4;
}

function addressing(ids: IdArgsRaw, vaultUrl: string, ctx: CommandContext): Addressing {
  const suffix = ctx.globals.cloud !== undefined ? ` --cloud ${ctx.globals.cloud}` : "";
  if (ids.id !== undefined) return { key: (name) => `--id ${vaultUrl.replace(/\/$/, "")}/keys/${name}`, suffix };
  const host = new URL(vaultUrl).hostname;
  const hsm = ids.hsmName !== undefined || (ids.vaultName === undefined && host.split(".")[1] === "managedhsm");
  const vault = ids.hsmName ?? ids.vaultName ?? host.split(".")[0]!;
  return { key: (name) => `${hsm ? "--hsm-name" : "--vault-name"} ${vault} -n ${name}`, suffix };
}

/** `{name}.vault.localhost[:port]` / `{name}.managedhsm.localhost[:port]`: the emulator's vaults. */
function localVault(vaultUrl: string): { name: string; kind: "vault" | "managedhsm" } | undefined {
  const labels = new URL(vaultUrl).hostname.split(".");
  if (labels.length !== 3 || labels[2] !== "localhost" || (labels[1] !== "vault" && labels[1] !== "managedhsm")) return undefined;
  return { name: labels[0]!, kind: labels[1] };
}

export const assessCommand = defineCommand({
  path: ["assess"],
  summary: "Review a vault's or HSM's keys against key-management best practice; each finding names the kvkey command that fixes it.",
  description:
    "Per key: no expiration date; expired or expiring within 30 days; no rotation policy that rotates, or one that rotates less than " +
    "yearly; every operation allowed, or encryption and signing on one key; RSA under 2048 bits (under 3072: a warning); disabled but " +
    "not deleted. For the emulator's vaults also soft-delete retention and purge protection (control-plane settings in Azure, not " +
    "assessed there). Uses data-plane reads only, so it works against Azure too. A table on a terminal, JSON otherwise. With --fail-on " +
    "it exits 4 when a finding at or above that severity exists (for CI gates).",
  options: [
    ...VAULT_ID_OPTIONS,
    { flags: "--fail-on <severity>", help: "Exit with status 4 when a finding of this severity or higher exists.", choices: SEVERITIES },
    { ...DATA_DIR_OPTION, help: "Data directory whose vault settings to read (emulator vaults only)." },
  ],
  examples: [
    { title: "Review the local vault 'demo'.", command: "kvkey assess --vault-name demo" },
    { title: "A CI gate: fail the build on any high-severity finding.", command: "kvkey assess --vault-name demo --fail-on high -o json" },
    { title: "Review a managed HSM in Azure.", command: "kvkey assess --cloud AzureCloud --hsm-name myhsm" },
  ],
  parse(raw, { commandName, cwd }) {
    const failOnText = typeof raw.failOn === "string" ? raw.failOn : undefined;
    const failOn: Severity | undefined = failOnText === undefined ? undefined : choice(commandName, "--fail-on", failOnText, SEVERITIES);
    return { ids: idArgs(raw), failOn, dataDir: dataDirOf(raw, cwd) };
  },
  async run(o, ctx) {
    const { client, vaultUrl } = await vaultTarget(ctx, o.ids);
    const { collectKeys } = await import("../assess/collect.js");
    const collected = await collectKeys(client, ctx.counter((n) => `Listed ${n} keys...`));
    for (const note of collected.notes) ctx.warn(note);
    const findings: Finding[] = [];
    let now = Date.now();
    const local = localVault(vaultUrl);
    if (local) {
      // The emulator's vault settings, and its clock (expiry is judged on the time the vault keeps).
      await withDataDirEmulator(ctx, o.dataDir, (emulator) => {
        now = emulator.now();
        const vault = emulator.getVault(local);
        if (vault) findings.push(...assessVault(vault));
        else ctx.warn(`The settings of ${local.name} were not found in ${o.dataDir ?? ctx.home}; soft-delete retention and purge protection were not assessed.`);
      });
    } else {
      ctx.note("Soft-delete retention and purge protection are control-plane settings in Azure and were not assessed (see `az keyvault show`).");
    }
    const at = addressing(o.ids, vaultUrl, ctx);
    for (const key of collected.keys) findings.push(...assessKey(key, now, at));
    const sorted = sortFindings(findings);
    const text = renderForTerminal(ctx, sorted, findingsTable);
    if (o.failOn && failsAt(sorted, o.failOn)) {
      const count = sorted.filter((f) => SEVERITIES.indexOf(f.severity) <= SEVERITIES.indexOf(o.failOn!)).length;
      const failed = new AssessmentFailedError(`${count} finding${count === 1 ? "" : "s"} at or above ${o.failOn} severity (--fail-on ${o.failOn}).`);
      failed.output = text;
      throw failed;
    }
    return text;
  },
  textOutput: true,
  tableView: findingsTable,
});
