import { constants, createPublicKey, publicEncrypt, randomBytes, randomUUID, type JsonWebKey as NodeJwk, type KeyObject } from "node:crypto";
import type { Clock } from "../domain/clock.js";
import { VaultErrors } from "../domain/errors.js";
import { isHsmType, type KeyVersion, type KeyView } from "../domain/key.js";
import type { VaultTarget } from "../domain/vault.js";
import { namesAuthority, parseReleasePolicyDocument, policySatisfied } from "../domain/release-policy.js";
import { privateKeyObject, publicKeyObject, type PrivateMaterial } from "../crypto/material.js";
import { kwpWrap } from "../crypto/operations/aes.js";
import { decodeJws, signRs256, verifyRs256 } from "../crypto/jws.js";
import { LOCAL_ATTESTATION_AUTHORITY } from "../../shared/attestation.js";
import { DEFAULT_RSA_AES_KEY_WRAP, RSA_AES_KEY_WRAP_OAEP_HASH, type RsaAesKeyWrap } from "../../shared/rsa-aes-key-wrap.js";
import { toUnixSeconds } from "../../shared/time.js";
import { nodeForge, type HsmPlatform } from "./hsm-platform.js";
import type { KeyService } from "./key-service.js";

// Secure key release and key attestation: what the emulated HSM does with its platform keys
// (hsm-platform.ts).
//
// The emulator is also the attestation authority (issuer LOCAL_ATTESTATION_AUTHORITY): it issues RS256
// tokens carrying the caller's claims and a runtime key (`x-ms-runtime.keys`, a JWK set, as Microsoft
// Azure Attestation does), and a release checks the token's signature (only its own authority key is
// trusted), issuer (an authority block of the key's release policy must name it), validity window (on
// the emulator clock) and claims. The key then leaves wrapped for the runtime key exactly as the service
// wraps it: `key_hsm` is a transfer blob (schema_version, header {kid, alg: "dir", enc}, ciphertext =
// RSA-OAEP(runtime key, AES key) || AES-KWP(AES key, PKCS#8 or raw key)), inside a KeyBundle, inside a
// JWS signed by the HSM (header with x5c), payload {request, response: {key}} — the shape of the
// service's recorded answers.

type Json = Record<string, unknown>;


export interface AttestationTokenOptions {
  /** Claims to carry; a dotted name (`x-ms-isolation-tee.x-ms-compliance-status`) becomes nested objects. */
  claims?: Record<string, unknown>;
  /** The runtime (TEE) public key released keys are wrapped for: an RSA JWK, or a node KeyObject. */
  runtimeKey?: NodeJwk | KeyObject;
  /** The runtime key's `kid` in the token (default "kvkey-runtime-key"). */
  runtimeKeyId?: string;
  /** Default one hour. */
  lifetimeSeconds?: number;
}

export interface ReleaseRequest {
  target: string;
  nonce?: string;
  enc?: RsaAesKeyWrap;
}

export interface ReleasedKey {
  view: KeyView;
  enc: RsaAesKeyWrap;
  /** base64url of the transfer blob JSON. */
  keyHsm: string;
}

export interface KeyAttestation {
  /** PEM certificates, leaf first: the chain that signed the two statements. */
  certificatePemFile: Buffer;
  /** DER CMS SignedData (attached content: a JSON statement about the key). */
  privateKeyAttestation: Buffer;
  publicKeyAttestation?: Buffer;
  version: string;
}

export const KEY_ATTESTATION_VERSION = "1.0.0";

export class ReleaseService {
  constructor(
    private readonly keys: KeyService,
    private readonly platform: HsmPlatform,
    private readonly clock: Clock,
  ) {}

  private now(): number {
    return toUnixSeconds(this.clock.now());
  }

  // ---- the attestation authority ------------------------------------------------------------------

  async issueAttestationToken(options: AttestationTokenOptions = {}): Promise<string> {
    const signer = await this.platform.signer("attestation-authority");
    const now = this.now();
    const lifetime = options.lifetimeSeconds ?? 3600;
    if (!Number.isSafeInteger(lifetime)) throw new Error("lifetimeSeconds must be a whole number of seconds");
    const payload: Json = {};
    for (const [name, value] of Object.entries(options.claims ?? {})) setClaim(payload, name, value);
    Object.assign(payload, {
      iss: LOCAL_ATTESTATION_AUTHORITY,
      iat: now,
      nbf: now,
      exp: now + lifetime,
      jti: randomUUID(),
      "x-ms-ver": "1.0",
    });
    if (options.runtimeKey) {
      const jwk = runtimeJwk(options.runtimeKey, options.runtimeKeyId ?? "kvkey-runtime-key");
      const runtime = (typeof payload["x-ms-runtime"] === "object" && payload["x-ms-runtime"] !== null ? payload["x-ms-runtime"] : {}) as Json;
      payload["x-ms-runtime"] = { ...runtime, keys: [jwk] };
    }
    const header = {
      typ: "JWT",
      kid: signer.x5t,
      jku: `${LOCAL_ATTESTATION_AUTHORITY}/certs`,
      x5c: signer.chainDer.map((d) => d.toString("base64")),
    };
    return signRs256(header, payload, signer.privateKey);
  }

  /** The authority's certificate chain (PEM, leaf first): how anyone verifies the tokens. */
  async attestationAuthorityChain(): Promise<string[]> {
    return (await this.platform.signer("attestation-authority")).chainPem;
  }

  // ---- release --------------------------------------------------------------------------------------

  async release(target: VaultTarget, host: string, name: string, version: string | undefined, request: ReleaseRequest): Promise<ReleasedKey> {
    const view = this.keys.getKeyWithMaterial(target, host, name, version);
    const key = view.key;
    if (!key.attributes.enabled) throw VaultErrors.keyDisabled("release");
    if (!key.attributes.exportable || !key.releasePolicy) {
      throw VaultErrors.badParameter(
        `The key ${key.name} cannot be released: only a key created with exportable true and a release policy can be released.`,
      );
    }
    const policy = parseReleasePolicyDocument(JSON.parse(key.releasePolicy.data.toString("utf8")));

    const token = decodeJws(request.target);
    if (!token) throw VaultErrors.badParameter("The release target is not an attestation token (a signed JWT).");
    const authority = await this.platform.signer("attestation-authority");
    if (!verifyRs256(token, publicKeyOf(authority.privateKey))) {
      throw forbidden("The attestation token is not signed by a trusted attestation authority: its signature does not verify.");
    }
    const claims = token.payload;
    const issuer = typeof claims.iss === "string" ? claims.iss : "";
    if (!namesAuthority(policy, issuer)) {
      throw forbidden(`The attestation token's issuer '${issuer}' is not an authority of the key's release policy.`);
    }
    const now = this.now();
    if (typeof claims.exp === "number" && now >= claims.exp) throw forbidden("The attestation token has expired.");
    if (typeof claims.nbf === "number" && now < claims.nbf) throw forbidden("The attestation token is not valid yet (before its nbf time).");
    if (!policySatisfied(policy, issuer, claims)) {
      throw forbidden("The attestation token's claims do not satisfy the key's release policy.");
    }

    const runtime = runtimeKeyOf(claims);
    const enc = request.enc ?? DEFAULT_RSA_AES_KEY_WRAP;
    const blob = {
      schema_version: "1.0",
      header: { kid: runtime.kid, alg: "dir", enc },
      ciphertext: wrapForRuntime(runtime.key, enc, plaintextOf(view.material)).toString("base64url"),
    };
    return { view, enc, keyHsm: Buffer.from(JSON.stringify(blob), "utf8").toString("base64url") };
  }

  /** Signs the release answer as the HSM: RS256 with x5c, kid, x5t and x5t#S256 in the header. */
  async signRelease(payload: Json): Promise<string> {
    const signer = await this.platform.signer("key-release");
    const header = {
      kid: signer.thumbprintHex,
      x5t: signer.x5t,
      typ: "JWT",
      "x5t#S256": signer.x5tS256,
      x5c: signer.chainDer.map((d) => d.toString("base64")),
    };
    return signRs256(header, payload, signer.privateKey);
  }

  // ---- key attestation ------------------------------------------------------------------------------

  async keyAttestation(target: VaultTarget, host: string, name: string, version: string | undefined): Promise<{ view: KeyView; attestation: KeyAttestation }> {
    const view = this.keys.getKeyWithMaterial(target, host, name, version);
    const key = view.key;
    if (!isHsmType(key.kty)) {
      throw VaultErrors.badParameter(`Key attestation is available for HSM-protected keys only; ${key.name} is an ${key.kty} key.`);
    }
    const signer = await this.platform.signer("key-attestation");
    const forge = await nodeForge();
    const keyPem = signer.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const certs = signer.chainPem.map((pem) => forge.pki.certificateFromPem(pem));
    const signedAt = new Date(this.clock.now());
    const cms = (statement: Json): Buffer => {
      const p7 = forge.pkcs7.createSignedData();
      p7.content = forge.util.createBuffer(JSON.stringify(statement), "utf8");
      for (const cert of certs) p7.addCertificate(cert);
      p7.addSigner({
        key: forge.pki.privateKeyFromPem(keyPem),
        certificate: certs[0]!,
        digestAlgorithm: forge.pki.oids.sha256!,
        authenticatedAttributes: [
          { type: forge.pki.oids.contentType!, value: forge.pki.oids.data! },
          { type: forge.pki.oids.messageDigest! },
          { type: forge.pki.oids.signingTime!, value: signedAt as unknown as string },
        ],
      });
      p7.sign();
      return Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), "binary");
    };
    const common = statementCommon(view, this.now());
    const attestation: KeyAttestation = {
      certificatePemFile: Buffer.from(signer.chainPem.join(""), "utf8"),
      privateKeyAttestation: cms({
        ...common,
        statement: "private",
        // PKCS#11 attributes of the private (or secret) key object in the HSM.
        attributes: {
          CKA_SENSITIVE: true,
          CKA_EXTRACTABLE: key.attributes.exportable,
          CKA_NEVER_EXTRACTABLE: !key.attributes.exportable,
          CKA_ALWAYS_SENSITIVE: true,
        },
      }),
      version: KEY_ATTESTATION_VERSION,
    };
    if (view.material.family !== "oct") {
      attestation.publicKeyAttestation = cms({
        ...common,
        statement: "public",
        publicKey: publicKeyObject(view.material).export({ type: "spki", format: "pem" }).toString(),
      });
    }
    return { view, attestation };
  }
}

function forbidden(message: string) {
  return VaultErrors.forbidden(message);
}

function publicKeyOf(key: KeyObject): KeyObject {
  return createPublicKey(key);
}

/** `a.b.c` -> payload.a.b.c, creating objects on the way. */
function setClaim(payload: Json, name: string, value: unknown): void {
  const parts = name.split(".");
  let node = payload;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Json;
  }
  node[parts[parts.length - 1]!] = value;
}

function runtimeJwk(key: NodeJwk | KeyObject, kid: string): Json {
  const object = "export" in key && typeof key.export === "function" ? (key as KeyObject) : createPublicKey({ key: key as NodeJwk, format: "jwk" });
  const pub = object.type === "private" ? createPublicKey(object) : object;
  if (pub.asymmetricKeyType !== "rsa") throw new Error("the runtime key must be an RSA key");
  const jwk = pub.export({ format: "jwk" });
  return { kty: "RSA", kid, use: "enc", key_ops: ["encrypt"], n: jwk.n, e: jwk.e };
}

/** The first RSA key of the token's `x-ms-runtime.keys` (MAA's runtime claims). */
function runtimeKeyOf(claims: Json): { kid: string; key: KeyObject } {
  const runtime = claims["x-ms-runtime"];
  const keys = typeof runtime === "object" && runtime !== null ? (runtime as Json).keys : undefined;
  const jwk = Array.isArray(keys) ? keys.find((k) => typeof k === "object" && k !== null && (k as Json).kty === "RSA") : undefined;
  if (!jwk) {
    throw VaultErrors.badParameter("The attestation token carries no RSA runtime key (x-ms-runtime.keys) to wrap the released key for.");
  }
  const { kid, n, e } = jwk as Json;
  try {
    return { kid: typeof kid === "string" ? kid : "", key: createPublicKey({ key: { kty: "RSA", n: String(n), e: String(e) }, format: "jwk" }) };
  } catch {
    throw VaultErrors.badParameter("The attestation token's runtime key (x-ms-runtime.keys) is not a valid RSA public key.");
  }
}

/** What a release carries: PKCS#8 DER for RSA and EC keys, the raw bytes of an oct key (as BYOK does). */
function plaintextOf(material: PrivateMaterial): Buffer {
  if (material.family === "oct") return Buffer.from(material.k, "base64url");
  return privateKeyObject(material).export({ type: "pkcs8", format: "der" });
}

function wrapForRuntime(runtime: KeyObject, enc: RsaAesKeyWrap, plaintext: Buffer): Buffer {
  const aesKey = randomBytes(32);
  try {
    const head = publicEncrypt({ key: runtime, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: RSA_AES_KEY_WRAP_OAEP_HASH[enc] }, aesKey);
    return Buffer.concat([head, kwpWrap(aesKey, plaintext, "CKM_AES_KEY_WRAP_PAD")]);
  } finally {
    aesKey.fill(0);
    plaintext.fill(0);
  }
}

function statementCommon(view: KeyView, now: number): Json {
  const key: KeyVersion = view.key;
  return {
    kid: `${view.vault.name}.${view.vault.kind}/keys/${key.name}/${key.version}`,
    kty: key.kty,
    key_ops: key.keyOps,
    ...(key.keySize !== undefined ? { key_size: key.keySize } : {}),
    ...(key.publicJwk.crv ? { crv: key.publicJwk.crv } : {}),
    created: key.attributes.created,
    attested: now,
    hsm: "kvkey emulated HSM (not a hardware security module)",
  };
}
