import { createPrivateKey, type KeyObject } from "node:crypto";
import type * as Forge from "node-forge";
import { KeyFileError, localKeyFromKeyObject, unsignedBytes, type LocalKey } from "./key.js";

// PEM private keys as `az keyvault key import --pem-file/--pem-string` takes them, and then some. The
// file is split into blocks here, so every failure can be named precisely (az answers "must be encrypted"
// for anything it cannot parse). node-forge (the design's choice, loaded only here) reads RSA keys:
// PKCS#1, PKCS#8, encrypted PKCS#8 (PBES2 with AES or 3DES, PKCS#12 PBE) and OpenSSL's legacy encrypted
// PEM (Proc-Type: 4,ENCRYPTED). forge has no elliptic curves, so node:crypto (OpenSSL) reads EC keys
// (SEC1 and PKCS#8, plain or encrypted) and tells apart the key types Key Vault cannot hold; it also
// takes over any encryption scheme forge does not implement (scrypt, Camellia, ...).

export interface PemBlock {
  label: string;
  headers: Record<string, string>;
  body: Buffer;
  /** The block as written, BEGIN to END, for parsers that want PEM text. */
  text: string;
}

export interface PemKeyOptions {
  password?: string;
  /** The flag that carries the password, named in the missing-password message. */
  passwordFlag?: string;
}

const RSA_OID = "1.2.840.113549.1.1.1";
/** DEK-Info ciphers forge decrypts; node takes the others. */
const FORGE_LEGACY_CIPHERS = new Set(["DES-CBC", "DES-EDE3-CBC", "AES-128-CBC", "AES-192-CBC", "AES-256-CBC"]);
const BASE64_LINE = /^[A-Za-z0-9+/]*={0,2}$/;

const WRONG_PASSWORD = "Bad decrypt. Incorrect password?";

/** Splits PEM text into blocks; text outside blocks is ignored, as OpenSSL does. */
export function pemBlocks(input: string): PemBlock[] {
  const lines = input.replace(/^\uFEFF/, "").split(/\r?\n|\r/);
  const blocks: PemBlock[] = [];
  let open: { label: string; start: number; headers: Record<string, string>; inHeaders: boolean; body: string[] } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const begin = /^-----BEGIN ([^-]+)-----$/.exec(line);
    const end = /^-----END ([^-]+)-----$/.exec(line);
    if (begin) {
      if (open) throw new KeyFileError(`the PEM is corrupted: the '${open.label}' block (line ${open.start + 1}) has no END line before the next BEGIN.`);
      open = { label: begin[1]!, start: i, headers: {}, inHeaders: true, body: [] };
      continue;
    }
    if (!open) {
      if (/^-----(BEGIN|END)/.test(line)) throw new KeyFileError(`the PEM is corrupted: line ${i + 1} ${damagedMarker(line)}.`);
      continue;
    }
    if (end) {
      if (end[1] !== open.label) {
        throw new KeyFileError(`the PEM is corrupted: the '${open.label}' block (line ${open.start + 1}) ends with 'END ${end[1]}'.`);
      }
      const body = open.body.join("");
      if (body.length === 0) throw new KeyFileError(`the PEM is corrupted: the '${open.label}' block is empty.`);
      if (body.length % 4 !== 0) {
        throw new KeyFileError(`the PEM is corrupted: the base64 content of the '${open.label}' block is truncated (${body.length} characters).`);
      }
      blocks.push({ label: open.label, headers: open.headers, body: Buffer.from(body, "base64"), text: lines.slice(open.start, i + 1).join("\n") + "\n" });
      open = undefined;
      continue;
    }
    if (open.inHeaders) {
      const header = /^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$/.exec(line);
      if (header) {
        open.headers[header[1]!] = header[2]!;
        continue;
      }
      open.inHeaders = false;
      if (line === "") continue;
    }
    if (line === "") continue;
    if (!BASE64_LINE.test(line)) {
      throw new KeyFileError(`the PEM is corrupted: line ${i + 1} of the '${open.label}' block is not base64 (${notBase64(line)}).`);
    }
    open.body.push(line);
  }
  if (open) throw new KeyFileError(`the PEM is corrupted: the '${open.label}' block (line ${open.start + 1}) has no END line (is the file truncated?).`);
  return blocks;
}

// The text of a key block is key material: a message names the line and what is wrong with it, never
// the characters it holds (a corrupted line of an RSA key is 48 bytes of its private exponent).

/** Why a BEGIN/END line outside a block did not parse, without quoting it. */
function damagedMarker(line: string): string {
  if (/^-----(BEGIN|END) [^-]+-----\s*\S/.test(line)) {
    return "has more text after its BEGIN/END marker (were the line breaks replaced by spaces? each BEGIN, base64 and END line must be a line of its own)";
  }
  return "is a damaged BEGIN/END line (a marker is -----BEGIN <label>----- or -----END <label>-----)";
}

/** What makes a line of a block not base64: the column of the first bad character, and what kind it is. */
function notBase64(line: string): string {
  const padding = line.indexOf("=");
  const bad = line.search(/[^A-Za-z0-9+/=]/);
  if (bad === -1) return `padding '=' in the middle of the line, at column ${padding + 1}`;
  const code = line.charCodeAt(bad);
  const kind = code === 0x20 || code === 0x09 ? "a space" : code < 0x20 || code === 0x7f ? "a control character" : code > 0x7f ? "a non-ASCII character" : "a character outside base64";
  return `${kind} at column ${bad + 1}`;
}

/** True when the bytes are not text (a DER file, a PKCS#12 bundle, ...). */
export function looksBinary(bytes: Buffer): boolean {
  const sample = bytes.subarray(0, 512);
  return sample.some((b) => b === 0 || (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d));
}

/**
 * The private key a PEM holds, as Key Vault imports it (RSA, or EC on P-256, P-256K, P-384, P-521).
 * Throws KeyFileError with one line that says what is wrong.
 */
export async function privateKeyFromPem(input: string | Buffer, options: PemKeyOptions = {}): Promise<LocalKey> {
  if (typeof input !== "string" && looksBinary(input)) {
    throw new KeyFileError(
      "the file is binary, not PEM text (a DER or PKCS#12 file?). Convert a DER key with: openssl pkey -inform DER -in key.der -out key.pem",
    );
  }
  let text = typeof input === "string" ? input : input.toString("utf8");
  // A PEM pasted through an environment variable or JSON often arrives with literal "\n" sequences.
  if (!/[\r\n]/.test(text.trim()) && text.includes("\\n")) text = text.replace(/\\r\\n|\\n/g, "\n");
  const blocks = pemBlocks(text);
  if (blocks.length === 0) {
    throw new KeyFileError(
      "no PEM block found: a PEM private key starts with a line such as -----BEGIN PRIVATE KEY----- (or RSA PRIVATE KEY, EC PRIVATE KEY, ENCRYPTED PRIVATE KEY).",
    );
  }
  const keys = blocks.filter((b) => b.label.endsWith("PRIVATE KEY"));
  if (keys.length > 1) throw new KeyFileError(`the PEM holds ${keys.length} private keys; import one key at a time.`);
  if (keys.length === 0) throw new KeyFileError(noPrivateKey(blocks));
  const block = keys[0]!;
  const encrypted = block.label === "ENCRYPTED PRIVATE KEY" || /ENCRYPTED/i.test(block.headers["Proc-Type"] ?? "");
  const { password } = options;
  if (encrypted && (password === undefined || password === "")) {
    throw new KeyFileError(
      `Password was not given but private key is encrypted.${options.passwordFlag ? ` Supply it with ${options.passwordFlag}.` : ""}`,
    );
  }
  if (!encrypted && password !== undefined && password !== "") throw new KeyFileError("Password was given but private key is not encrypted.");

  switch (block.label) {
    case "RSA PRIVATE KEY":
      return encrypted ? legacyRsa(block, password!) : forgeRsa(block, await forge(), derOf(await forge(), block));
    case "PRIVATE KEY": {
      const f = await forge();
      const asn1 = derOf(f, block);
      const oid = algorithmOid(f, asn1);
      return oid === RSA_OID ? forgeRsa(block, f, asn1) : viaNode(block, undefined, false, oid);
    }
    case "ENCRYPTED PRIVATE KEY":
      return encryptedPkcs8(block, password!);
    case "EC PRIVATE KEY":
      return viaNode(block, password, encrypted);
    case "DSA PRIVATE KEY":
      throw new KeyFileError("Unsupported key type, DSA.");
    case "OPENSSH PRIVATE KEY":
      throw new KeyFileError("the key is in OpenSSH's own format (BEGIN OPENSSH PRIVATE KEY); convert it to PEM first: ssh-keygen -p -m PKCS8 -f <file>");
    default:
      throw new KeyFileError(`the PEM block '${block.label}' is not a private key format kvkey reads (PRIVATE KEY, ENCRYPTED PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY).`);
  }
}

function noPrivateKey(blocks: PemBlock[]): string {
  const labels = [...new Set(blocks.map((b) => b.label))];
  const publicKey = labels.find((l) => l.endsWith("PUBLIC KEY"));
  if (publicKey) {
    return `the PEM holds a public key (BEGIN ${publicKey}), not a private key; importing a key needs its private key.`;
  }
  if (labels.some((l) => l.includes("CERTIFICATE"))) {
    return "the PEM holds a certificate but no private key; importing a key needs its private key (a PEM bundle with the certificate and its key works too).";
  }
  return `the PEM holds no private key (it holds: ${labels.join(", ")}).`;
}

// ---- node-forge ---------------------------------------------------------------------------------

let forgeModule: typeof Forge | undefined;
async function forge(): Promise<typeof Forge> {
  forgeModule ??= (await import("node-forge")).default;
  return forgeModule;
}

function corrupted(block: PemBlock): KeyFileError {
  return new KeyFileError(`the PEM is corrupted: the '${block.label}' block is not a valid DER-encoded key (truncated or edited?).`);
}

function derOf(f: typeof Forge, block: PemBlock): Forge.asn1.Asn1 {
  try {
    return f.asn1.fromDer(block.body.toString("binary"), true);
  } catch {
    throw corrupted(block);
  }
}

/** The algorithm OID of a PKCS#8 PrivateKeyInfo: SEQUENCE { version, SEQUENCE { oid, params }, key }. */
function algorithmOid(f: typeof Forge, info: Forge.asn1.Asn1): string | undefined {
  try {
    const algorithm = (info.value as Forge.asn1.Asn1[])[1]!;
    return f.asn1.derToOid((algorithm.value as Forge.asn1.Asn1[])[0]!.value as string);
  } catch {
    return undefined;
  }
}

function forgeRsa(block: PemBlock, f: typeof Forge, asn1: Forge.asn1.Asn1): LocalKey {
  let key: Forge.pki.rsa.PrivateKey;
  try {
    key = f.pki.privateKeyFromAsn1(asn1);
  } catch {
    throw corrupted(block);
  }
  return rsaKey(key);
}

function rsaKey(key: Forge.pki.rsa.PrivateKey): LocalKey {
  const hex = (n: Forge.jsbn.BigInteger) => unsignedBytes(n.toString(16));
  return { kty: "RSA", n: hex(key.n), e: hex(key.e), d: hex(key.d), p: hex(key.p), q: hex(key.q), dp: hex(key.dP), dq: hex(key.dQ), qi: hex(key.qInv) };
}

/** OpenSSL's traditional encryption: Proc-Type: 4,ENCRYPTED + DEK-Info, key from MD5 EVP_BytesToKey. */
async function legacyRsa(block: PemBlock, password: string): Promise<LocalKey> {
  const dek = block.headers["DEK-Info"];
  if (!dek || !/^[A-Za-z0-9-]+,[0-9A-Fa-f]+$/.test(dek.trim())) {
    throw new KeyFileError(`the PEM is corrupted: the encrypted '${block.label}' block has no valid DEK-Info header.`);
  }
  const cipher = dek.split(",")[0]!.toUpperCase();
  if (!FORGE_LEGACY_CIPHERS.has(cipher)) return viaNode(block, password, true);
  const f = await forge();
  let key: Forge.pki.rsa.PrivateKey | null;
  try {
    key = f.pki.decryptRsaPrivateKey(block.text, f.util.encodeUtf8(password));
  } catch {
    // Decrypted bytes that are not DER: the padding happened to look right under a wrong password.
    throw new KeyFileError(WRONG_PASSWORD);
  }
  if (!key) throw new KeyFileError(WRONG_PASSWORD);
  return rsaKey(key);
}

interface ForgeCipher {
  update(data: Forge.util.ByteBuffer): void;
  finish(): boolean;
  output: Forge.util.ByteBuffer;
}

/** PKCS#8 EncryptedPrivateKeyInfo: forge decrypts the schemes it knows; the key inside may be RSA or not. */
async function encryptedPkcs8(block: PemBlock, password: string): Promise<LocalKey> {
  const f = await forge();
  const outer = derOf(f, block);
  let oid: string;
  let params: Forge.asn1.Asn1;
  let data: string;
  try {
    const [algorithm, encrypted] = outer.value as Forge.asn1.Asn1[];
    const [oidNode, paramNode] = algorithm!.value as Forge.asn1.Asn1[];
    oid = f.asn1.derToOid(oidNode!.value as string);
    params = paramNode!;
    data = encrypted!.value as string;
    if (typeof data !== "string") throw new Error("not an OCTET STRING");
  } catch {
    throw corrupted(block);
  }
  let cipher: ForgeCipher;
  try {
    const pbe = (f.pki as unknown as { pbe: { getCipher(oid: string, params: Forge.asn1.Asn1, password: string): ForgeCipher } }).pbe;
    // forge takes passwords as binary strings; OpenSSL uses the UTF-8 bytes.
    cipher = pbe.getCipher(oid, params, f.util.encodeUtf8(password));
  } catch {
    // A scheme forge does not implement (scrypt, Camellia, ...): OpenSSL knows more.
    return viaNode(block, password, true);
  }
  cipher.update(f.util.createBuffer(data));
  if (!cipher.finish()) throw new KeyFileError(WRONG_PASSWORD);
  let info: Forge.asn1.Asn1;
  try {
    info = f.asn1.fromDer(cipher.output, true);
  } catch {
    throw new KeyFileError(WRONG_PASSWORD);
  }
  if (algorithmOid(f, info) === RSA_OID) return forgeRsa(block, f, info);
  const der = Buffer.from(f.asn1.toDer(info).getBytes(), "binary");
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  } catch {
    throw new KeyFileError(WRONG_PASSWORD);
  }
  return localKeyFromKeyObject(key);
}

// ---- node:crypto --------------------------------------------------------------------------------

function viaNode(block: PemBlock, password: string | undefined, encrypted: boolean, oid?: string): LocalKey {
  let key: KeyObject;
  try {
    key = createPrivateKey(password === undefined ? { key: block.text, format: "pem" } : { key: block.text, format: "pem", passphrase: password });
  } catch (err) {
    // OpenSSL says "bad decrypt" for a wrong password, or fails to decode the garbage a lucky padding let through.
    if (encrypted) throw new KeyFileError(WRONG_PASSWORD);
    // A well-formed PrivateKeyInfo whose algorithm OpenSSL does not know.
    if (oid !== undefined && /UNSUPPORTED/.test((err as { code?: string }).code ?? "")) throw new KeyFileError(`Unsupported key type, OID ${oid}.`);
    throw corrupted(block);
  }
  return localKeyFromKeyObject(key);
}
