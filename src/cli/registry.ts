import type { CommandSpec, GroupSpec } from "./spec.js";
import { createCommand } from "./commands/create.js";
import { showCommand } from "./commands/show.js";
import { listCommand } from "./commands/list.js";
import { listVersionsCommand } from "./commands/list-versions.js";
import { setAttributesCommand } from "./commands/set-attributes.js";
import { deleteCommand } from "./commands/delete.js";
import { showDeletedCommand } from "./commands/show-deleted.js";
import { listDeletedCommand } from "./commands/list-deleted.js";
import { recoverCommand } from "./commands/recover.js";
import { purgeCommand } from "./commands/purge.js";
import { backupCommand } from "./commands/backup.js";
import { restoreCommand } from "./commands/restore.js";
import { importCommand } from "./commands/import.js";
import { byokBlobCommand } from "./commands/byok-blob.js";
import { encryptCommand } from "./commands/encrypt.js";
import { decryptCommand } from "./commands/decrypt.js";
import { wrapKeyCommand } from "./commands/wrap-key.js";
import { unwrapKeyCommand } from "./commands/unwrap-key.js";
import { signCommand } from "./commands/sign.js";
import { verifyCommand } from "./commands/verify.js";
import { downloadCommand } from "./commands/download.js";
import { randomCommand } from "./commands/random.js";
import { rotateCommand } from "./commands/rotate.js";
import { rotationPolicyShowCommand, rotationPolicyUpdateCommand } from "./commands/rotation-policy.js";
import { getPolicyTemplateCommand } from "./commands/get-policy-template.js";
import { getAttestationCommand } from "./commands/get-attestation.js";
import { releaseCommand } from "./commands/release.js";
import { emulatorTimeShiftCommand } from "./commands/emulator-time.js";
import { emulatorAttestationTokenCommand } from "./commands/emulator-attestation.js";
import { assessCommand } from "./commands/assess.js";
import { emulatorLogsCommand } from "./commands/emulator-logs.js";
import { emulatorEventsListCommand, emulatorEventsSubscribeCommand, emulatorEventsSubscriptionsCommand, emulatorEventsUnsubscribeCommand } from "./commands/emulator-events.js";
import { cloudListCommand, cloudSetCommand, cloudShowCommand } from "./commands/cloud.js";
import { emulatorCaCommand, emulatorStartCommand, emulatorStatusCommand, emulatorStopCommand } from "./commands/emulator.js";
import {
  emulatorVaultCreateCommand,
  emulatorVaultDeleteCommand,
  emulatorVaultListCommand,
  emulatorVaultShowCommand,
} from "./commands/emulator-vault.js";
import { configGetCommand, configListCommand, configSetCommand, configUnsetCommand } from "./commands/config.js";
import { completionCommand } from "./commands/completion.js";
import { shellCommand } from "./commands/shell.js";

// Every command and group kvkey knows. Command modules hold only declarations and small parse
// functions; the SDK and the emulator load inside run(), so building this registry is cheap.

export const ROOT_GROUP: GroupSpec = {
  path: [],
  summary: "Manage keys in Azure Key Vault and Managed HSM — or in the local emulated vault, the default — with az keyvault key's commands and output.",
};

export const GROUPS: readonly GroupSpec[] = [
  { path: ["cloud"], summary: "Manage the clouds kvkey can target (Local, Azure)." },
  { path: ["config"], summary: "Manage kvkey's settings: default output, default vault, colour." },
  { path: ["emulator"], summary: "Serve the emulated vault over HTTPS for other programs and SDKs." },
  { path: ["emulator", "events"], summary: "Key Vault's Event Grid key events raised by the emulator, and the webhooks they are delivered to." },
  { path: ["emulator", "vault"], summary: "Manage the emulator's key vaults and managed HSMs (soft-delete retention, purge protection)." },
  { path: ["rotation-policy"], summary: "Manage key's rotation policy." },
];

export const COMMANDS: readonly CommandSpec<any>[] = [
  assessCommand,
  backupCommand,
  byokBlobCommand,
  createCommand,
  decryptCommand,
  deleteCommand,
  downloadCommand,
  encryptCommand,
  getAttestationCommand,
  getPolicyTemplateCommand,
  importCommand,
  listCommand,
  listDeletedCommand,
  listVersionsCommand,
  purgeCommand,
  randomCommand,
  recoverCommand,
  releaseCommand,
  restoreCommand,
  rotateCommand,
  rotationPolicyShowCommand,
  rotationPolicyUpdateCommand,
  setAttributesCommand,
  showCommand,
  showDeletedCommand,
  signCommand,
  unwrapKeyCommand,
  verifyCommand,
  wrapKeyCommand,
  cloudListCommand,
  cloudSetCommand,
  cloudShowCommand,
  emulatorAttestationTokenCommand,
  emulatorCaCommand,
  emulatorEventsListCommand,
  emulatorEventsSubscribeCommand,
  emulatorEventsSubscriptionsCommand,
  emulatorEventsUnsubscribeCommand,
  emulatorLogsCommand,
  emulatorStartCommand,
  emulatorStatusCommand,
  emulatorStopCommand,
  emulatorTimeShiftCommand,
  emulatorVaultCreateCommand,
  emulatorVaultDeleteCommand,
  emulatorVaultListCommand,
  emulatorVaultShowCommand,
  configGetCommand,
  configListCommand,
  configSetCommand,
  configUnsetCommand,
  completionCommand,
  shellCommand,
];

/** The command named by the leading words of argv, and the arguments after them. */
export function findCommand(argv: readonly string[]): { spec: CommandSpec; rest: string[] } | undefined {
  let best: CommandSpec | undefined;
  for (const spec of COMMANDS) {
    if (spec.path.every((word, i) => argv[i] === word) && (!best || spec.path.length > best.path.length)) best = spec;
  }
  return best && { spec: best, rest: argv.slice(best.path.length) };
}
