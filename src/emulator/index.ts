import { storageProblem } from "./store/storage-errors.js";
import { SqliteKeyStore } from "./store/sqlite-store.js";
import { KeyRepository } from "./service/key-repository.js";
import { KeyService } from "./service/key-service.js";
import { DeletedKeys } from "./service/deleted-keys.js";
import { KeyBackups } from "./service/key-backup.js";
import { CryptoService } from "./service/crypto-service.js";
import { KeyVaultHandler, type HandlerOptions } from "./http/pipeline.js";
import { RoleAssignmentStore } from "./store/role-assignment-store.js";
import { AccessControl, type NewRoleAssignment } from "./service/access-control.js";
import { MANAGED_HSM_ADMINISTRATOR, type RoleAssignment, type RoleDefinition } from "./domain/rbac.js";
import { TokenAuthority, type AuthMode, type IssuedToken } from "./http/auth.js";
import { SecurityDomain } from "./crypto/seal.js";
import { VaultError } from "./domain/errors.js";
import { loadOrCreateSecurityDomain } from "./security-domain-file.js";
import { shiftedClock, systemClock, type Clock } from "./domain/clock.js";
import { ClockShiftStore } from "./store/clock-shift-store.js";
import { RotationSchedule } from "./store/rotation-schedule.js";
import { PlatformKeyStore } from "./store/platform-key-store.js";
import { RotationService } from "./service/rotation-service.js";
import { ReleaseService, type AttestationTokenOptions } from "./service/release-service.js";
import { HsmPlatform } from "./service/hsm-platform.js";
import type { Vault, VaultKind, VaultSku, VaultTarget } from "./domain/vault.js";
import type { WireRequest, WireResponse } from "./http/wire.js";
import type { SecurityDomainFile, WrappingKey } from "./crypto/security-domain-transfer.js";
import { createMonitoring, type MonitoringOptions } from "./monitoring.js";
import { Lifetime } from "./lifetime.js";
import type { AuditLog } from "./audit/audit-log.js";
import type { EventHub } from "./events/event-hub.js";
import { KeyTransitions } from "./service/key-transitions.js";
import { KeyTransitionStore } from "./store/key-transition-store.js";
import { ServiceLimits } from "./service/service-limits.js";
import { FaultRules, type FaultRulesView } from "./service/fault-rules.js";
import { FaultStore } from "./store/fault-store.js";
import type { FaultRule } from "../shared/fault-rules.js";
import { ThrottleStore } from "./store/throttle-store.js";
import { AZURE_SOFT_DELETE_DELAYS, type SoftDeleteDelays } from "./domain/soft-delete-timing.js";

export type { WireRequest, WireResponse } from "./http/wire.js";
export type { Clock } from "./domain/clock.js";
export { ManualClock, offsetClock, systemClock } from "./domain/clock.js";
export type { AuthMode, IssuedToken } from "./http/auth.js";
export { IDENTITY_PATH } from "./http/identity.js";
export type { Vault, VaultKind, VaultSku } from "./domain/vault.js";
export { VAULT_SKUS } from "./domain/vault.js";
export type { RoleAssignment, RoleDefinition } from "./domain/rbac.js";
export type { NewRoleAssignment } from "./service/access-control.js";
export type { SecurityDomainFile, WrappingKey } from "./crypto/security-domain-transfer.js";
export { LOCAL_PRINCIPAL_ID } from "./http/auth.js";
export type { VaultTarget } from "./domain/vault.js";
export { VaultError } from "./domain/errors.js";
export { LATEST_API_VERSION } from "./http/api-version.js";
export type { AttestationTokenOptions } from "./service/release-service.js";
export { LOCAL_ATTESTATION_AUTHORITY } from "../shared/attestation.js";
export type { MonitoringOptions } from "./monitoring.js";
export type { AuditEvent, AuditLog } from "./audit/audit-log.js";
export type { AuditQuery, AuditRow } from "./audit/audit-store.js";
export type { EventHub, EventListQuery, EventSubscriptionView, SubscribeOptions } from "./events/event-hub.js";
export type { EventGridEvent } from "./events/event-grid.js";
export type { SoftDeleteDelays } from "./domain/soft-delete-timing.js";
export type { FaultRuleView, FaultRulesView } from "./service/fault-rules.js";
export { FaultRuleError, parseFaultRule, type FaultRule } from "../shared/fault-rules.js";
export { AZURE_SOFT_DELETE_DELAYS } from "./domain/soft-delete-timing.js";

export interface EmulatorOptions {
  /** Directory holding the database and the security domain; created 0700 if missing. */
  dataDir?: string;
  /** Keep everything in memory (nothing written to disk). Exactly one of dataDir and inMemory. */
  inMemory?: boolean;
  clock?: Clock;
  /** The container that requests to a bare localhost/IP host address. */
  defaultVault?: VaultTarget;
  /** Which bearer tokens to accept (default strict: only this emulator's, for the right resource). */
  authMode?: AuthMode;
  /** Serve the managed-identity token endpoint at /msi/token (the served emulator does). */
  identityEndpoint?: boolean;
  /**
   * The `oid` of the tokens the managed-identity endpoint issues (the principal role assignments name);
   * default: a fresh id per token, unless the request names one (`principal_id`, `object_id`).
   */
  identityPrincipal?: string;
  /** Audit log retention, event retention, webhook retry schedule (docs/monitoring.md). */
  monitoring?: MonitoringOptions;
  /**
   * "azure": fail where Azure fails (docs/emulator.md, "Testing failure"): soft-delete transitions take
   * time and the service limits apply. Default: none, the fast and permissive vault.
   */
  profile?: EmulatorProfile;
  /** How long soft-delete transitions take (emulator-clock ms); with the azure profile AZURE_SOFT_DELETE_DELAYS by default. */
  softDeleteDelays?: Partial<SoftDeleteDelays>;
  /** Key Vault's transaction limits: 429 with Retry-After past them. Default: on with the azure profile. */
  throttle?: boolean;
  /**
   * Apply the data directory's fault rules to requests (`Emulator.faults`, `kvkey emulator fault`). The
   * served emulator does; the CLI's embedded vault does not, so a rule never breaks kvkey itself.
   */
  faultInjection?: boolean;
  /** Told of every request answered 500 (the served emulator logs a line; see HandlerOptions.onInternalError). */
  onInternalError?: HandlerOptions["onInternalError"];
}

export type EmulatorProfile = "azure";

/** The fault rules of a data directory (docs/emulator.md, "Fault injection"). */
export interface FaultControl {
  list(): FaultRulesView;
  /**
   * Replaces the rules (written form, `op=sign,status=503`, or parsed) and restarts the seeded draws
   * behind `rate` from `seed` (random when none). Throws FaultRuleError naming a wrong part.
   */
  set(rules: ReadonlyArray<string | FaultRule>, seed?: number): FaultRulesView;
  clear(): FaultRulesView;
}

/** A container's soft-delete settings, set programmatically (Azure sets them in its control plane). */
export interface VaultConfiguration {
  name: string;
  kind: VaultKind;
  /** Soft-delete retention, 7..90 days; unchanged when omitted (90 for a new vault). */
  retentionDays?: number;
  /** Unchanged when omitted (off for a new vault). */
  purgeProtection?: boolean;
  /** A key vault's tier; unchanged when omitted (premium for a new vault). A Managed HSM is always premium. */
  sku?: VaultSku;
  /** Authorize requests by role assignments; unchanged when omitted (off for a new vault). */
  rbacAuthorization?: boolean;
  /**
   * Principals (object ids) made Managed HSM Administrators at scope `/`, as `az keyvault create
   * --hsm-name --administrators` does. A Managed HSM only.
   */
  administrators?: readonly string[];
}

/** One emulated Key Vault / Managed HSM data plane: a request handler over durable state. */
export interface Emulator {
  handle(request: WireRequest): Promise<WireResponse>;
  /**
   * A bearer token this emulator accepts, for the given resource (default https://vault.localhost), whose
   * `oid` (the principal RBAC checks) is `oid` (default: kvkey's own for subject "local", else a fresh one).
   */
  issueToken(subject?: string, audience?: string, oid?: string): IssuedToken;
  /** The X-IDENTITY-HEADER secret of the token endpoint: stable for a data directory. */
  readonly identityHeader: string;
  /**
   * Creates the vault or Managed HSM if needed and sets its soft-delete retention and purge protection.
   * Throws a VaultError (code BadParameter) for an invalid name or retention.
   */
  configureVault(configuration: VaultConfiguration): Vault;
  listVaults(): Vault[];
  getVault(target: VaultTarget): Vault | undefined;
  /** Removes a vault or Managed HSM and every key in it; false when it did not exist. */
  deleteVault(target: VaultTarget): boolean;
  /** Role assignments of a container, as the control plane (ARM for a key vault) manages them: no caller is checked. */
  readonly roles: {
    create(target: VaultTarget, assignment: NewRoleAssignment): RoleAssignment;
    /** At, above or below `scope` (default `/`: all), optionally of one principal. */
    list(target: VaultTarget, filter?: { scope?: string; principalId?: string }): RoleAssignment[];
    delete(target: VaultTarget, name: string): RoleAssignment;
    definitions(kind: VaultKind): readonly RoleDefinition[];
  };
  /**
   * A Managed HSM's security domain, split among the holders of 3-10 RSA certificates (PEM) so that any
   * `quorum` of them can upload it into another HSM (`kvkey emulator security-domain download`).
   */
  downloadSecurityDomain(target: VaultTarget, options: { certificates: readonly string[]; quorum: number }): SecurityDomainFile;
  /** Gives an HSM (holding no keys) the domain of a downloaded file, opened with a quorum of its wrapping keys. */
  uploadSecurityDomain(target: VaultTarget, options: { file: string; wrappingKeys: readonly WrappingKey[] }): { domainId: string };
  /** The fingerprint of the domain a container's backups are sealed under (never the key). */
  securityDomainIdOf(target: VaultTarget): string;
  /** Vaults created by requests since the emulator started (drained by the caller). */
  takeCreatedVaults(): Vault[];
  readonly dataDir: string | undefined;
  /**
   * The emulator clock, in milliseconds: the base clock (EmulatorOptions.clock, default the system
   * clock) plus the data directory's shift. nbf/exp, purge dates and rotation all follow it.
   */
  now(): number;
  /** How far the emulator clock runs ahead of its base clock (ms); kept in the database, so every process on the data directory sees it. */
  timeShift(): number;
  /** Sets the shift (ms, 0 = real time). The clock moves only forward from real time: a negative shift is refused. */
  setTimeShift(offsetMs: number): void;
  /** Adds to the shift (ms) and returns the new shift. */
  advanceTime(deltaMs: number): number;
  /** Creates the due versions of every key whose rotation policy says so (the served emulator calls it on a timer). */
  rotateDueKeys(): Promise<number>;
  /**
   * An attestation token from the emulator's attestation authority (issuer LOCAL_ATTESTATION_AUTHORITY,
   * RS256, per data directory), with the given claims and runtime key: the `target` of a secure key release.
   */
  issueAttestationToken(options?: AttestationTokenOptions): Promise<string>;
  /** PEM certificates of the attestation authority, leaf first (the root also signs key attestations and releases). */
  attestationAuthorityCertificates(): Promise<string[]>;
  /** The fingerprint of the security domain (never the key). */
  readonly securityDomainId: string;
  /** Every data-plane request, as Key Vault's AuditEvent log records it (docs/monitoring.md). */
  readonly audit: AuditLog;
  /**
   * The data directory's fault rules (shared/fault-rules.ts; docs/emulator.md, "Fault injection"): every
   * emulator on the directory with faultInjection applies them, at its next request.
   */
  readonly faults: FaultControl;
  /** Key Vault's Event Grid key events, webhook subscriptions and their delivery (docs/monitoring.md). */
  readonly events: EventHub;
  /** Closes the store; webhook deliveries in flight get a few seconds to finish first. */
  close(): void;
}

/** The Azure timing profile's soft-delete transitions, when the options ask for them. */
function softDeleteTiming(options: EmulatorOptions, db: ReturnType<SqliteKeyStore["connection"]>, clock: Clock): { transitions?: KeyTransitions } {
  if (options.profile !== "azure" && options.softDeleteDelays === undefined) return {};
  const base = options.profile === "azure" ? AZURE_SOFT_DELETE_DELAYS : { deleteMs: 0, recoverMs: 0, purgeMs: 0, restoreMs: 0 };
  const delays: SoftDeleteDelays = { ...base, ...options.softDeleteDelays };
  for (const [what, ms] of Object.entries(delays)) {
    if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`softDeleteDelays.${what} is a whole, non-negative number of milliseconds, not ${ms}`);
  }
  return { transitions: new KeyTransitions(new KeyTransitionStore(db), clock, delays) };
}

/**
 * The composition root: picks the store (SQLite on disk or in memory), the security domain and the
 * clock, and wires the services, the request pipeline (http/pipeline.ts), the clock-driven work
 * (lifetime.ts) and monitoring. Swap a part here and nowhere else.
 */
export function createEmulator(options: EmulatorOptions): Emulator {
  if (!options.dataDir === !options.inMemory) throw new Error("createEmulator needs exactly one of dataDir and inMemory");
  const store = new SqliteKeyStore(options.dataDir);
  try {
    // A database that already holds sealed keys never gets a new domain: that would lose them silently.
    const domain = options.dataDir
      ? loadOrCreateSecurityDomain(options.dataDir, { sealedKeysExist: () => store.hasSealedKeys() })
      : SecurityDomain.generate();
    const db = store.connection();
    const clockShift = new ClockShiftStore(db);
    const clock = shiftedClock(options.clock ?? systemClock, { offsetMs: () => clockShift.clockOffsetMs() });
    const repo = new KeyRepository(store, domain, clock, { ...softDeleteTiming(options, db, clock) });
    const access = new AccessControl(repo, new RoleAssignmentStore(db));
    const keys = new KeyService(repo);
    const deleted = new DeletedKeys(repo);
    // Listens to key changes first: a version Managed HSM's cap refuses is rolled back before events hear of it.
    const rotation = new RotationService(keys, repo, new RotationSchedule(db));
    const release = new ReleaseService(keys, new HsmPlatform(new PlatformKeyStore(db), domain), clock);
    const tokens = new TokenAuthority(domain.deriveKey("token signing"));
    const identityHeader = domain.deriveKey("identity header").toString("base64url").slice(0, 32);
    const monitoring = createMonitoring({
      store,
      changes: repo.changes,
      tokens,
      clock,
      ...(options.monitoring ? { options: options.monitoring } : {}),
    });
    const lifetime = new Lifetime({ deleted, rotation, events: monitoring.keyEvents });
    const faults = new FaultRules(store, new FaultStore(db));
    const handler = new KeyVaultHandler({
      services: { keys, deleted, backups: new KeyBackups(repo), crypto: new CryptoService(keys, clock), rotation, release, access },
      tokens,
      authMode: options.authMode ?? "strict",
      ...(options.identityEndpoint
        ? { identity: { header: identityHeader, ...(options.identityPrincipal ? { principal: options.identityPrincipal } : {}) } }
        : {}),
      ...(options.defaultVault ? { defaultVault: options.defaultVault } : {}),
      clock,
      clockWork: lifetime,
      observers: [monitoring.observer],
      ...((options.throttle ?? options.profile === "azure") ? { limits: new ServiceLimits(repo, new ThrottleStore(db)) } : {}),
      ...(options.faultInjection ? { faults } : {}),
      storageProblem: (err: unknown) => storageProblem(err, options.dataDir),
      ...(options.onInternalError ? { onInternalError: options.onInternalError } : {}),
    });
    const moveClock = (apply: () => number): number => {
      const shift = store.write(apply);
      clock.reload();
      lifetime.raiseAllDue();
      return shift;
    };
    return {
      handle: (request) => handler.handle(request),
      issueToken: (subject, audience, oid) => tokens.issue(subject, audience, oid),
      identityHeader,
      configureVault: ({ name, kind, administrators, ...settings }) => {
        if (administrators?.length && kind !== "managedhsm") {
          throw new VaultError("BadParameter", "--administrators applies to a managed HSM; a key vault's roles are assigned with `kvkey emulator role assignment create`.");
        }
        return repo.vaults.configure({ name, kind }, settings, (vault) => {
          if (administrators?.length) access.assignInWrite(vault, MANAGED_HSM_ADMINISTRATOR, administrators);
        });
      },
      roles: {
        create: (target, assignment) => access.create(target, target.name, assignment),
        list: (target, filter = {}) => access.list(target, target.name, filter.scope ?? "/", filter.principalId),
        delete: (target, name) => access.delete(target, target.name, name),
        definitions: (kind) => access.roleDefinitions({ name: "", kind }),
      },
      downloadSecurityDomain: (target, { certificates, quorum }) => repo.domains.download(target, certificates, quorum),
      uploadSecurityDomain: (target, { file, wrappingKeys }) => repo.domains.upload(target, file, wrappingKeys),
      securityDomainIdOf: (target) => (target.kind === "managedhsm" ? repo.domains.domainId(target) : domain.id),
      takeCreatedVaults: () => repo.vaults.created.splice(0),
      listVaults: () => repo.vaults.list(),
      getVault: (target) => repo.vaults.get(target),
      deleteVault: (target) => {
        const gone = repo.vaults.delete(target);
        if (!gone) return false;
        repo.materials.forgetVault(gone.id);
        deleted.forgetVault(gone.id);
        return true;
      },
      dataDir: options.dataDir,
      now: () => clock.now(),
      timeShift: () => clockShift.clockOffsetMs(),
      setTimeShift: (offsetMs) => {
        if (!Number.isSafeInteger(offsetMs) || offsetMs < 0) throw new RangeError(`a time shift is a whole, non-negative number of milliseconds, not ${offsetMs}`);
        moveClock(() => (clockShift.setClockOffsetMs(offsetMs), offsetMs));
      },
      advanceTime: (deltaMs) => {
        if (!Number.isSafeInteger(deltaMs)) throw new RangeError(`a time shift is a whole number of milliseconds, not ${deltaMs}`);
        return moveClock(() => {
          if (clockShift.clockOffsetMs() + deltaMs < 0) throw new RangeError("the emulator clock cannot move before real time");
          return clockShift.addClockOffsetMs(deltaMs);
        });
      },
      rotateDueKeys: () => lifetime.rotateAllDue(),
      issueAttestationToken: (tokenOptions) => release.issueAttestationToken(tokenOptions),
      attestationAuthorityCertificates: () => release.attestationAuthorityChain(),
      securityDomainId: domain.id,
      audit: monitoring.audit,
      events: monitoring.events,
      faults: { list: () => faults.list(), set: (rules, seed) => faults.set(rules, seed), clear: () => faults.clear() },
      close: () => monitoring.close(() => store.close()),
    };
  } catch (err) {
    store.close();
    throw err;
  }
}
