import type { Clock } from "../domain/clock.js";
import { VaultError } from "../domain/errors.js";
import type { VaultTarget } from "../domain/vault.js";
import { monotonicMs } from "../../shared/monotonic.js";
import { checkApiVersion } from "./api-version.js";
import { bearerToken, type AuthMode, type TokenAuthority } from "./auth.js";
import { authorize, callerOf } from "./authorize.js";
import { addressRequest, challengeResource, type Addressed } from "./host.js";
import { handleIdentityRequest, isIdentityRequest, type IdentityOptions } from "./identity.js";
import { runOperation, type KeyVaultServices } from "./operations.js";
import { challenge, failure, internalFailure, serialise, vaultFailure, type Answer } from "./respond.js";
import { route, type Route } from "./router.js";
import type { WireRequest, WireResponse } from "./wire.js";
import type { ServiceLimits } from "../service/service-limits.js";
import { throttleStep } from "./throttle.js";
import type { FaultRules } from "../service/fault-rules.js";
import { injectFault } from "./fault.js";
import { MAX_BODY_BYTES, RESTORE_BODY_BYTES } from "./body-limits.js";

// The Key Vault keys data plane as one pipeline: WireRequest -> WireResponse. The steps, in order, are
// the list in KeyVaultHandler below; each is a small function over the request's context that either
// adds to it and lets the next step run, or answers and ends the request. The order is the contract the
// SDKs rely on (the vault from the Host header, never the path; the challenge before the body is read;
// a caller's mistake always a 4xx, since the SDKs retry 5xx). Whatever a step answers, and whatever it
// throws, the serialise step (respond.ts) turns into the response; then the observers (the audit log)
// read the finished context instead of working anything out again.

export { MAX_BODY_BYTES, RESTORE_BODY_BYTES } from "./body-limits.js";

/** What the steps learn about a request, in the order they learn it. */
export interface RequestContext {
  readonly request: WireRequest;
  url?: URL;
  /** The vault the Host header names: unset for requests that reach no vault (they are not audited). */
  vault?: Addressed;
  /** The operation the method and path name; unset when they name none (see `unknownOperation`). */
  route?: Route;
  /** Why the method and path name no operation: answered (404/405) only after the checks before it. */
  unknownOperation?: VaultError;
  /** The bearer token as sent. */
  token?: string;
  apiVersion?: string;
  /** The fault rule that hit this request and what it did (fault.ts), for the audit log. */
  fault?: string;
}

/** A request answered: the response, and the context and answer it came from (what observers read). */
export interface HandledRequest {
  context: RequestContext;
  answer: Answer;
  response: WireResponse;
  /** From the first step to the serialised response. */
  durationMs: number;
}

/** Runs after a request has been answered (the audit log). It must not throw; it cannot change the response. */
export type RequestObserver = (handled: HandledRequest) => void;

/** The vault's clock-driven work (lifetime.ts): purges, rotations and key events that have fallen due. */
export interface ClockWork {
  tick(vault: VaultTarget, nowMs: number): Promise<void>;
}

export interface HandlerOptions {
  services: KeyVaultServices;
  tokens: TokenAuthority;
  /** Default strict: only this emulator's tokens. */
  authMode?: AuthMode;
  /** Serve the managed-identity token endpoint (the served emulator does; the embedded one needs none). */
  identity?: IdentityOptions;
  /** Container for requests to a bare `localhost`/IP host. */
  defaultVault?: VaultTarget;
  /** The emulator clock, read once per request for the tick. */
  clock: Clock;
  /** Runs before the operation for the addressed vault; none: nothing is ever due. */
  clockWork?: ClockWork;
  observers?: readonly RequestObserver[];
  /** Key Vault's transaction limits (throttle.ts); none: never throttled. */
  limits?: ServiceLimits;
  /** The data directory's fault rules (fault.ts); none: nothing is injected (the embedded vault). */
  faults?: FaultRules;
  /**
   * What a failure of the emulator's own storage means for the user (a full disk, a read-only data
   * directory, a held lock, and where), or undefined for any other error: the 500's message.
   */
  storageProblem?: (err: unknown) => string | undefined;
  /** Told of every 500 (the served emulator writes a line to emulator.log); `problem` is the storage message, if any. */
  onInternalError?: (err: unknown, problem: string | undefined, request: WireRequest) => void;
}

/** A step: undefined to go on, or the answer that ends the request. */
type Step = (ctx: RequestContext) => Answer | undefined | Promise<Answer | undefined>;

export class KeyVaultHandler {
  /**
   * The pipeline, in order. Later features slot in where marked: authorization needs the vault, the
   * caller and the route (whose data action it checks); throttling, fault injection and timing profiles
   * come after every check a real vault makes first and before the vault's state is touched.
   */
  private readonly steps: readonly Step[] = [
    readUrl, //                                 400 for a URL that does not parse
    (ctx) => this.identityEndpoint(ctx), //     served only: /msi/token, not a vault request
    (ctx) => this.addressVault(ctx), //         the vault from the Host header (404: not a vault host)
    identifyOperation, //                       which operation the method and path name (held if none)
    (ctx) => this.authenticate(ctx), //         no bearer token: 401 challenge, before the body is read; token check
    (ctx) => this.authorize(ctx), //            403 when the vault enforces RBAC and no role of the caller grants the route's data action
    requireApiVersion, //                       400 without a known api-version
    limitBody, //                               413 above MAX_BODY_BYTES (a restore: RESTORE_BODY_BYTES)
    requireOperation, //                        404/405 for a path or method that names no operation
    (ctx) => this.injectFault(ctx), //          served: the fault rules' status, delay or dropped connection (fault.ts)
    (ctx) => this.throttle(ctx), //             429 + Retry-After past the vault's limits (throttle.ts)
    (ctx) => this.tick(ctx), //                 the vault's clock-driven work (lifetime.ts)
    (ctx) => runOperation(this.o.services, ctx.route!, operationRequest(ctx)), // the operation (operations.ts)
  ];

  constructor(private readonly o: HandlerOptions) {}

  async handle(request: WireRequest): Promise<WireResponse> {
    return (await this.handleWithContext(request)).response;
  }

  /** The response with the context it came from; observers have seen it. */
  async handleWithContext(request: WireRequest): Promise<HandledRequest> {
    const started = monotonicMs();
    const context: RequestContext = { request };
    const answer = await this.answer(context);
    const response = serialise(answer);
    const handled: HandledRequest = { context, answer, response, durationMs: monotonicMs() - started };
    for (const observe of this.o.observers ?? []) {
      try {
        observe(handled);
      } catch {
        // The audit log is the emulator's own business: a request never fails because of it.
      }
    }
    return handled;
  }

  private async answer(ctx: RequestContext): Promise<Answer> {
    try {
      for (const step of this.steps) {
        let answered = step(ctx);
        // Most steps are synchronous: awaiting only promises keeps a request from paying a microtask per step.
        if (answered instanceof Promise) answered = await answered;
        if (answered) return answered;
      }
      throw new Error("unreachable: the operation step always answers");
    } catch (err) {
      if (err instanceof VaultError) return vaultFailure(err);
      // A full disk, a read-only data directory or a database another process keeps locked is said as
      // such, with where (storage-errors.ts): the user can fix those. Anything else says nothing more.
      const problem = this.o.storageProblem?.(err);
      this.o.onInternalError?.(err, problem, ctx.request);
      return internalFailure(problem);
    }
  }

  // ---- the steps that need the handler's options ------------------------------------------------

  private identityEndpoint(ctx: RequestContext): Answer | undefined {
    if (!this.o.identity || !isIdentityRequest(ctx.url!)) return undefined;
    const wire = handleIdentityRequest(ctx.request, ctx.url!, this.o.tokens, this.o.identity, this.o.authMode ?? "strict");
    return { status: wire.status, wire };
  }

  private addressVault(ctx: RequestContext): Answer | undefined {
    const url = ctx.url!;
    const addressed = addressRequest(url, ctx.request.headers.host, this.o.defaultVault);
    if (!addressed) {
      return failure(404, "NotFound", `The host '${url.host}' does not name a vault: use {name}.vault.localhost or {name}.managedhsm.localhost.`);
    }
    ctx.vault = addressed;
    return undefined;
  }

  private authenticate(ctx: RequestContext): Answer | undefined {
    const token = bearerToken(ctx.request.headers.authorization);
    if (token === undefined) return challenge(ctx.vault!, false);
    ctx.token = token;
    if ((this.o.authMode ?? "strict") === "strict" && !this.o.tokens.verify(token, challengeResource(ctx.vault!))) {
      return challenge(ctx.vault!, true);
    }
    return undefined;
  }

  private authorize(ctx: RequestContext): Answer | undefined {
    return authorize(this.o.services.access, ctx.vault!, ctx.route, () => callerOf(ctx.token, this.o.tokens, this.o.authMode ?? "strict"));
  }

  private injectFault(ctx: RequestContext): Answer | undefined | Promise<Answer | undefined> {
    if (!this.o.faults) return undefined;
    return injectFault(this.o.faults, { vault: ctx.vault!.target.name, route: ctx.route! }, (text) => (ctx.fault = text));
  }

  private throttle(ctx: RequestContext): Answer | undefined {
    return this.o.limits && throttleStep(this.o.limits, ctx.vault!.target, ctx.route!, ctx.request.body);
  }

  private async tick(ctx: RequestContext): Promise<undefined> {
    // POST /rng reads no key: nothing about the vault's keys needs to be up to date for it.
    if (ctx.route!.op !== "getRandomBytes") await this.o.clockWork?.tick(ctx.vault!.target, this.o.clock.now());
    return undefined;
  }
}

// ---- the steps that need nothing but the context ---------------------------------------------------

function readUrl(ctx: RequestContext): Answer | undefined {
  try {
    ctx.url = new URL(ctx.request.url);
  } catch {
    return failure(400, "BadParameter", "The request URL is not valid.");
  }
  return undefined;
}

function identifyOperation(ctx: RequestContext): undefined {
  try {
    ctx.route = route(ctx.request.method, ctx.url!.pathname, ctx.vault!.target.kind);
  } catch (err) {
    if (!(err instanceof VaultError)) throw err;
    ctx.unknownOperation = err;
  }
  return undefined;
}

function requireApiVersion(ctx: RequestContext): undefined {
  ctx.apiVersion = checkApiVersion(ctx.url!.searchParams);
  return undefined;
}

function limitBody(ctx: RequestContext): undefined {
  const body = ctx.request.body;
  // 1 MiB, but a restore may carry the largest backup the emulator makes (body-limits.ts).
  const limit = ctx.route?.op === "restoreKey" ? RESTORE_BODY_BYTES : MAX_BODY_BYTES;
  if (body !== undefined && Buffer.byteLength(body) > limit) {
    throw new VaultError("RequestBodyTooLarge", `The request body exceeds the limit of ${limit} bytes.`);
  }
  return undefined;
}

function requireOperation(ctx: RequestContext): undefined {
  if (ctx.unknownOperation) throw ctx.unknownOperation;
  return undefined;
}

function operationRequest(ctx: RequestContext) {
  return { at: ctx.vault!, query: ctx.url!.searchParams, apiVersion: ctx.apiVersion!, body: ctx.request.body };
}
