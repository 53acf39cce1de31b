import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { defineCommand } from "../../spec.js";
import { CliError, UsageError } from "../../errors.js";
import { integer, isFile } from "../../args/values.js";
import { rawList, rawString } from "../../args/raw.js";
import { withDataDirEmulator } from "../../local-emulator.js";

// `kvkey emulator security-domain download|upload`: move a Managed HSM's security domain to another HSM,
// in the shape of `az keyvault security-domain download|upload` (--hsm-name, --sd-wrapping-keys,
// --sd-quorum, --security-domain-file; --sd-file, --passwords). The domain is split among the holders
// of the wrapping keys' certificates; a quorum of their private keys (each with its `.cer` beside it,
// as az wants) uploads it into an HSM that holds no keys yet, whose key backups then restore there.
// Simplification (docs/emulator.md): the file is the emulator's own format and the commands work on the
// data directory, where az goes through the HSM's data plane and an exchange key.

const DATA_DIR_OPTION = { flags: "--data-dir <dir>", help: "Data directory of the emulator.", defaultText: "$KVKEY_HOME (~/.kvkey)" };
const HSM_OPTION = { flags: "--hsm-name <name>", help: "Name of the HSM.", required: true };

function read(path: string, what: string): string {
  if (!existsSync(path)) throw new CliError(`${what} ${path} does not exist.`);
  if (!isFile(path)) throw new CliError(`${path} is a directory. A file is required.`);
  return readFileSync(path, "utf8");
}

export const emulatorSecurityDomainDownloadCommand = defineCommand({
  path: ["emulator", "security-domain", "download"],
  summary: "Download a managed HSM's security domain, split among 3-10 wrapping key certificates.",
  description: "Any --sd-quorum of the wrapping keys' owners can upload it into another HSM, whose key backups it then opens.",
  options: [
    HSM_OPTION,
    { flags: "--sd-wrapping-keys <files...>", help: "Space-separated file paths to the PEM certificates (RSA 2048 or more) of 3 to 10 wrapping keys.", required: true },
    { flags: "--sd-quorum <count>", help: "The minimum number of shares required to decrypt the security domain for recovery.", required: true },
    { flags: "--security-domain-file <file>", help: "File to write the security domain to; it must not exist.", required: true },
    DATA_DIR_OPTION,
  ],
  examples: [
    {
      title: "Make three wrapping keys and download myhsm's domain for any two of them.",
      command:
        "for i in 0 1 2; do openssl req -newkey rsa:2048 -nodes -keyout cert_$i.key -x509 -days 365 -subj /CN=sd$i -out cert_$i.cer; done && kvkey emulator security-domain download --hsm-name myhsm --sd-wrapping-keys cert_0.cer cert_1.cer cert_2.cer --sd-quorum 2 --security-domain-file myhsm-sd.json",
    },
  ],
  parse(raw, { cwd }) {
    const hsm = rawString(raw, "hsmName");
    const certs = rawList(raw, "sdWrappingKeys");
    const quorum = integer("--sd-quorum", rawString(raw, "sdQuorum"));
    const file = rawString(raw, "securityDomainFile");
    const missing = [hsm === undefined && "--hsm-name", !certs?.length && "--sd-wrapping-keys", quorum === undefined && "--sd-quorum", file === undefined && "--security-domain-file"].filter(Boolean);
    if (missing.length) throw new UsageError(`the following arguments are required: ${missing.join(", ")}`);
    const dataDir = rawString(raw, "dataDir");
    return { hsm: hsm!, certs: certs!.map((c) => resolve(cwd, c)), quorum: quorum!, file: resolve(cwd, file!), dataDir: dataDir === undefined ? undefined : resolve(cwd, dataDir) };
  },
  async run(o, ctx) {
    if (existsSync(o.file)) throw new CliError(`File named '${o.file}' already exists.`);
    const certificates = o.certs.map((c) => read(c, "Certificate"));
    const file = await withDataDirEmulator(ctx, o.dataDir, (emulator) =>
      emulator.downloadSecurityDomain({ name: o.hsm, kind: "managedhsm" }, { certificates, quorum: o.quorum }),
    );
    // The shares are encrypted to their holders; the file is private all the same.
    writeFileSync(o.file, JSON.stringify(file, null, 2) + "\n", { mode: 0o600, flag: "wx" });
    return { hsm: o.hsm, securityDomainFile: o.file, domainId: file.domainId, required: file.required, shares: file.shares.length, status: "Success" };
  },
});

export const emulatorSecurityDomainUploadCommand = defineCommand({
  path: ["emulator", "security-domain", "upload"],
  summary: "Upload a security domain into a managed HSM that holds no keys yet, with a quorum of its wrapping keys.",
  description: "Each wrapping key is a PEM private key whose certificate lies beside it with the extension .cer (cert_0.key and cert_0.cer), as az wants them.",
  options: [
    HSM_OPTION,
    { flags: "--sd-file <file>", help: "The security domain file (from `kvkey emulator security-domain download`).", required: true },
    { flags: "--sd-wrapping-keys <files...>", help: "Space-separated file paths to PEM private keys, at least the quorum of them.", required: true },
    { flags: "--passwords <passwords...>", help: "Space-separated password list for --sd-wrapping-keys, in the same order." },
    DATA_DIR_OPTION,
  ],
  examples: [
    {
      title: "Give myhsm2 myhsm's domain, then restore one of myhsm's key backups into it.",
      command: "kvkey emulator vault create --hsm -n myhsm2 && kvkey emulator security-domain upload --hsm-name myhsm2 --sd-file myhsm-sd.json --sd-wrapping-keys cert_0.key cert_1.key && kvkey restore --hsm-name myhsm2 -f mykey.bak",
    },
  ],
  parse(raw, { cwd }) {
    const hsm = rawString(raw, "hsmName");
    const sdFile = rawString(raw, "sdFile");
    const keys = rawList(raw, "sdWrappingKeys");
    if (hsm === undefined || sdFile === undefined) {
      throw new UsageError(`the following arguments are required: ${[hsm === undefined && "--hsm-name", sdFile === undefined && "--sd-file"].filter(Boolean).join(", ")}`);
    }
    if (!keys?.length) throw new UsageError("Please specify --sd-wrapping-keys");
    const dataDir = rawString(raw, "dataDir");
    return {
      hsm,
      sdFile: resolve(cwd, sdFile),
      keys: keys.map((k) => resolve(cwd, k)),
      passwords: rawList(raw, "passwords") ?? [],
      dataDir: dataDir === undefined ? undefined : resolve(cwd, dataDir),
    };
  },
  async run(o, ctx) {
    const file = read(o.sdFile, "Security domain file");
    const wrappingKeys = o.keys.map((keyPath, i) => {
      const certPath = `${keyPath.split(".").slice(0, -1).join(".") || keyPath}.cer`;
      if (!existsSync(certPath)) throw new CliError(`Certificate ${certPath} does not exist. You should put it into the same folder with your wrapping keys`);
      const password = o.passwords[i];
      return { privateKeyPem: read(keyPath, "SD wrapping key"), certificatePem: read(certPath, "Certificate"), ...(password !== undefined ? { password } : {}) };
    });
    const { domainId } = await withDataDirEmulator(ctx, o.dataDir, (emulator) =>
      emulator.uploadSecurityDomain({ name: o.hsm, kind: "managedhsm" }, { file, wrappingKeys }),
    );
    return { hsm: o.hsm, domainId, status: "Success" };
  },
});
