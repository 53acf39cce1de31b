// The package's programmatic entry (`import { startEmulator } from "kvkey"`): what users' own test
// suites need to host the emulated vault in-process or over HTTPS, and to point an Azure SDK client at
// the in-process one.
export {
  createEmulator,
  ManualClock,
  offsetClock,
  systemClock,
  LATEST_API_VERSION,
  IDENTITY_PATH,
  AZURE_SOFT_DELETE_DELAYS,
  FaultRuleError,
  parseFaultRule,
} from "./emulator/index.js";
export type {
  Emulator,
  EmulatorOptions,
  Clock,
  WireRequest,
  WireResponse,
  AuthMode,
  IssuedToken,
  Vault,
  VaultKind,
  VaultTarget,
  MonitoringOptions,
  AuditEvent,
  AuditQuery,
  EventGridEvent,
  EventListQuery,
  EventSubscriptionView,
  SubscribeOptions,
  EmulatorProfile,
  SoftDeleteDelays,
  FaultControl,
  FaultRule,
  FaultRuleView,
  FaultRulesView,
} from "./emulator/index.js";
export { startEmulator } from "./emulator/server.js";
export type { ServeOptions, ServeTimeouts, ServeTls, ServedEmulator } from "./emulator/server.js";
export { embeddedConnection } from "./vault-client/embedded.js";
export type { EmbeddedConnection } from "./vault-client/embedded.js";
