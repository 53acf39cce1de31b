import type { CommandSpec } from "./spec.js";
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
import { emulatorTimeShiftCommand } from "./commands/emulator/time-shift.js";
import { emulatorAttestationTokenCommand } from "./commands/emulator/attestation.js";
import { assessCommand } from "./commands/assess.js";
import { emulatorLogsCommand } from "./commands/emulator/logs.js";
import { emulatorFaultClearCommand, emulatorFaultListCommand, emulatorFaultSetCommand } from "./commands/emulator/fault.js";
import { emulatorEventsListCommand, emulatorEventsSubscribeCommand, emulatorEventsSubscriptionsCommand, emulatorEventsUnsubscribeCommand } from "./commands/emulator/events.js";
import { cloudListCommand, cloudSetCommand, cloudShowCommand } from "./commands/cloud.js";
import { emulatorCaCommand, emulatorStartCommand, emulatorStatusCommand, emulatorStopCommand } from "./commands/emulator/server.js";
import { emulatorVaultCreateCommand, emulatorVaultDeleteCommand, emulatorVaultListCommand, emulatorVaultShowCommand } from "./commands/emulator/vault.js";
import {
  emulatorRoleAssignmentCreateCommand,
  emulatorRoleAssignmentDeleteCommand,
  emulatorRoleAssignmentListCommand,
  emulatorRoleDefinitionListCommand,
} from "./commands/emulator/role.js";
import { emulatorSecurityDomainDownloadCommand, emulatorSecurityDomainUploadCommand } from "./commands/emulator/security-domain.js";
import { emulatorTokenCommand } from "./commands/emulator/token.js";
import { configGetCommand, configListCommand, configSetCommand, configUnsetCommand } from "./commands/config.js";
import { completionCommand } from "./commands/completion.js";
import { shellCommand } from "./commands/shell.js";

// Every command kvkey knows, loaded together: for completion, docs/commands.md and the tests.
// Running a command does not come through here: dispatch finds it in command-index.generated.ts
// (regenerated from this list by `npm run docs`) and loads only that command's module.

export { GROUPS, ROOT_GROUP } from "./groups.js";

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
  emulatorFaultClearCommand,
  emulatorFaultListCommand,
  emulatorFaultSetCommand,
  emulatorLogsCommand,
  emulatorRoleAssignmentCreateCommand,
  emulatorRoleAssignmentDeleteCommand,
  emulatorRoleAssignmentListCommand,
  emulatorRoleDefinitionListCommand,
  emulatorSecurityDomainDownloadCommand,
  emulatorSecurityDomainUploadCommand,
  emulatorStartCommand,
  emulatorStatusCommand,
  emulatorStopCommand,
  emulatorTimeShiftCommand,
  emulatorTokenCommand,
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
