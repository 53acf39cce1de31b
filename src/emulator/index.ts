import { SqliteKeyStore } from "./store/sqlite-store.js";
import { KeyService, type VaultTarget } from "./service/key-service.js";
import { CryptoService } from "./service/crypto-service.js";
import { KeyVaultHandler, type HandlerOptions } from "./http/handler.js";
import { TokenAuthority, type AuthMode, type IssuedToken } from "./http/auth.js";
import { SecurityDomain } from "./crypto/seal.js";
import { loadOrCreateSecurityDomain } from "./security-domain-file.js";
import { shiftedClock, systemClock, type Clock } from "./domain/clock.js";
import { LifetimeStore } from "./store/lifetime-store.js";
import { RotationService } from "./service/rotation-service.js";
import { ReleaseService, type AttestationTokenOptions } from "./service/release-service.js";
import { HsmPlatform } from "./service/hsm-platform.js";
import type { Vault, VaultKind } from "./domain/vault.js";
import type { WireRequest, WireResponse } from "./http/wire.js";
import { createMonitoring, type MonitoringOptions } from "./monitoring.js";
import type { AuditLog } from "./audit/audit-log.js";
import type { EventHub } from "./events/event-hub.js";

export type { WireRequest, WireResponse } from "./http/wire.js";
export type { Clock } from "./domain/clock.js";
export { ManualClock, offsetClock, systemClock } from "./domain/clock.js";
export type { AuthMode, IssuedToken } from "./http/auth.js";
export { IDENTITY_PATH } from "./http/identity.js";
export type { Vault, VaultKind } from "./domain/vault.js";
export type { VaultTarget } from "./service/key-service.js";
export { VaultError } from "./domain/errors.js";
export { LATEST_API_VERSION } from "./http/api-version.js";
export type { AttestationTokenOptions } from "./service/release-service.js";
export { LOCAL_ATTESTATION_AUTHORITY } from "../shared/attestation.js";
export type { MonitoringOptions } from "./monitoring.js";
export type { AuditEvent, AuditLog } from "./audit/audit-log.js";
export type { AuditQuery } from "./audit/audit-store.js";
export type { EventHub, EventListQuery, EventSubscriptionView, SubscribeOptions } from "./events/event-hub.js";
export type { EventGridEvent } from "./events/event-grid.js";

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
  /** Audit log retention, event retention, webhook retry schedule (docs/monitoring.md). */
  monitoring?: MonitoringOptions;
  /** Told of every request answered 500 (the served emulator logs a line; see HandlerOptions.onInternalError). */
  onInternalError?: HandlerOptions["onInternalError"];
}

/** A container's soft-delete settings, set programmatically (Azure sets them in its control plane). */
export interface VaultConfiguration {
  name: string;
  kind: VaultKind;
  /** Soft-delete retention, 7..90 days; unchanged when omitted (90 for a new vault). */
  retentionDays?: number;
  /** Unchanged when omitted (off for a new vault). */
  purgeProtection?: boolean;
}

/** One emulated Key Vault / Managed HSM data plane: a request handler over durable state. */
export interface Emulator {
  handle(request: WireRequest): Promise<WireResponse>;
  /** A bearer token this emulator accepts, for the given resource (default https://vault.localhost). */
  issueToken(subject?: string, audience?: string): IssuedToken;
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
  /** Key Vault's Event Grid key events, webhook subscriptions and their delivery (docs/monitoring.md). */
  readonly events: EventHub;
  /** Closes the store; webhook deliveries in flight get a few seconds to finish first. */
  close(): void;
}

/**
 * The composition root: picks the store (SQLite on disk or in memory), the security domain and the
 * clock, and wires the service and handler. Swap a part here and nowhere else.
 */
export function createEmulator(options: EmulatorOptions): Emulator {
  if (!options.dataDir === !options.inMemory) throw new Error("createEmulator needs exactly one of dataDir and inMemory");
  const store = new SqliteKeyStore(options.dataDir);
  try {
    // A database that already holds sealed keys never gets a new domain: that would lose them silently.
    const domain = options.dataDir
      ? loadOrCreateSecurityDomain(options.dataDir, { sealedKeysExist: () => store.hasSealedKeys() })
      : SecurityDomain.generate();
    const lifetime = new LifetimeStore(store.connection());
    const clock = shiftedClock(options.clock ?? systemClock, { offsetMs: () => lifetime.clockOffsetMs() });
    const service = new KeyService(store, domain, clock);
    const rotation = new RotationService(service, store, lifetime, clock);
    const release = new ReleaseService(service, new HsmPlatform(lifetime, domain), clock);
    const tokens = new TokenAuthority(domain.deriveKey("token signing"));
    const crypto = new CryptoService(service, clock);
    const identityHeader = domain.deriveKey("identity header").toString("base64url").slice(0, 32);
    const handler = new KeyVaultHandler({
      service,
      crypto,
      tokens,
      rotation,
      release,
      authMode: options.authMode ?? "strict",
      ...(options.identityEndpoint ? { identity: { header: identityHeader } } : {}),
      ...(options.defaultVault ? { defaultVault: options.defaultVault } : {}),
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      ...(options.onInternalError ? { onInternalError: options.onInternalError } : {}),
    });
    const monitoring = createMonitoring({
      store,
      service,
      tokens,
      clock,
      identityEndpoint: options.identityEndpoint === true,
      ...(options.defaultVault ? { defaultVault: options.defaultVault } : {}),
      ...(options.monitoring ? { options: options.monitoring } : {}),
    });
    return {
      handle: (request) => monitoring.handle(request, (r) => handler.handle(r)),
      issueToken: (subject, audience) => tokens.issue(subject, audience),
      identityHeader,
      configureVault: ({ name, kind, ...settings }) => service.configureVault({ name, kind }, settings),
      takeCreatedVaults: () => service.createdVaults.splice(0),
      listVaults: () => service.listVaults(),
      getVault: (target) => service.getVault(target),
      deleteVault: (target) => service.deleteVault(target),
      dataDir: options.dataDir,
      now: () => clock.now(),
      timeShift: () => lifetime.clockOffsetMs(),
      setTimeShift: (offsetMs) => {
        if (!Number.isSafeInteger(offsetMs) || offsetMs < 0) throw new RangeError(`a time shift is a whole, non-negative number of milliseconds, not ${offsetMs}`);
        store.write(() => lifetime.setClockOffsetMs(offsetMs));
        clock.reload();
        monitoring.clockMoved();
      },
      advanceTime: (deltaMs) => {
        if (!Number.isSafeInteger(deltaMs)) throw new RangeError(`a time shift is a whole number of milliseconds, not ${deltaMs}`);
        const shift = store.write(() => {
          if (lifetime.clockOffsetMs() + deltaMs < 0) throw new RangeError("the emulator clock cannot move before real time");
          return lifetime.addClockOffsetMs(deltaMs);
        });
        clock.reload();
        monitoring.clockMoved();
        return shift;
      },
      rotateDueKeys: () => rotation.rotateAllDue(),
      issueAttestationToken: (tokenOptions) => release.issueAttestationToken(tokenOptions),
      attestationAuthorityCertificates: () => release.attestationAuthorityChain(),
      securityDomainId: domain.id,
      audit: monitoring.audit,
      events: monitoring.events,
      close: () => monitoring.close(() => store.close()),
    };
  } catch (err) {
    store.close();
    throw err;
  }
}
