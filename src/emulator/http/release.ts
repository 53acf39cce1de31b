import { shown, VaultErrors } from "../domain/errors.js";
import { keyId } from "../domain/key-id.js";
import type { ReleaseRequest, ReleaseService } from "../service/release-service.js";
import { isRsaAesKeyWrap, RSA_AES_KEY_WRAPS } from "../../shared/rsa-aes-key-wrap.js";
import type { Addressed } from "./host.js";
import { parseJsonBody } from "./parse.js";
import { keyBundle } from "./serialize.js";

// POST /keys/{name}/{version?}/release: KeyReleaseParameters {target, nonce?, enc?} in, {value: JWS} out.
// GET /keys/{name}/{version?}/attestation: a KeyBundle whose attributes carry the attestation.

type Json = Record<string, unknown>;

export function parseRelease(rawBody: string | undefined): ReleaseRequest {
  const body = parseJsonBody(rawBody);
  if (typeof body.target !== "string" || body.target === "") {
    throw VaultErrors.badParameter("The member 'target' (the attestation token of the release target) is required.");
  }
  const request: ReleaseRequest = { target: body.target };
  if (body.nonce !== undefined && body.nonce !== null) {
    if (typeof body.nonce !== "string") throw VaultErrors.badParameter("The member 'nonce' must be a string.");
    request.nonce = body.nonce;
  }
  if (body.enc !== undefined && body.enc !== null) {
    if (!isRsaAesKeyWrap(body.enc)) {
      throw VaultErrors.badParameter(
        `The member 'enc' (${JSON.stringify(shown(body.enc))}) is not a key encryption algorithm. Supported: ${RSA_AES_KEY_WRAPS.join(", ")}.`,
      );
    }
    request.enc = body.enc;
  }
  return request;
}

export async function releaseKey(
  release: ReleaseService,
  at: Addressed,
  route: { name: string; version?: string },
  apiVersion: string,
  rawBody: string | undefined,
): Promise<Json> {
  const request = parseRelease(rawBody);
  const released = await release.release(at.target, at.host, route.name, route.version, request);
  const bundle = keyBundle(at.baseUrl, released.view);
  bundle.key = { ...(bundle.key as Json), key_hsm: released.keyHsm };
  const payload = {
    request: {
      "api-version": apiVersion,
      enc: released.enc,
      kid: keyId(at.baseUrl, released.view.key.name, route.version),
      ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
    },
    response: { key: bundle },
  };
  return { value: await release.signRelease(payload) };
}

export async function keyAttestation(release: ReleaseService, at: Addressed, route: { name: string; version?: string }): Promise<Json> {
  const { view, attestation } = await release.keyAttestation(at.target, at.host, route.name, route.version);
  const bundle = keyBundle(at.baseUrl, view);
  const b64u = (b: Buffer) => b.toString("base64url");
  (bundle.attributes as Json).attestation = {
    certificatePemFile: b64u(attestation.certificatePemFile),
    privateKeyAttestation: b64u(attestation.privateKeyAttestation),
    ...(attestation.publicKeyAttestation ? { publicKeyAttestation: b64u(attestation.publicKeyAttestation) } : {}),
    version: attestation.version,
  };
  return bundle;
}
