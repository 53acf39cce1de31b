import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";

// Key material at rest is sealed with AES-256-GCM under the installation's security-domain key.
// Layout: [format 0x01][12-byte IV][16-byte tag][ciphertext]. The caller's associated data binds a
// sealed blob to its place (vault, key, version), so blobs cannot be swapped between rows.

const FORMAT = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SealError extends Error {
  override readonly name = "SealError";
}

export class SecurityDomain {
  /** A public fingerprint of the key: it identifies the domain without revealing it. */
  readonly id: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error("a security-domain key is 32 bytes");
    this.id = createHash("sha256").update("kvkey security domain\0").update(key).digest("hex").slice(0, 32);
  }

  static generate(): SecurityDomain {
    return new SecurityDomain(randomBytes(32));
  }

  seal(plaintext: Uint8Array, associatedData: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(associatedData, "utf8"));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.of(FORMAT), iv, cipher.getAuthTag(), ciphertext]);
  }

  open(sealed: Uint8Array, associatedData: string): Buffer {
    const blob = Buffer.from(sealed);
    if (blob.length < 1 + IV_BYTES + TAG_BYTES || blob[0] !== FORMAT) throw new SealError("not a sealed blob");
    const iv = blob.subarray(1, 1 + IV_BYTES);
    const tag = blob.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv("aes-256-gcm", this.key, iv);
    decipher.setAAD(Buffer.from(associatedData, "utf8"));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(blob.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch {
      throw new SealError("sealed data failed authentication (wrong security domain or tampered)");
    }
  }

  /** A key for another purpose (token signing, ...), derived so that only one secret is kept on disk. */
  deriveKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync("sha256", this.key, Buffer.alloc(0), `kvkey ${purpose}`, 32));
  }

  /** Serialised form for the data directory's security-domain file. */
  exportKey(): string {
    return this.key.toString("base64");
  }
}
