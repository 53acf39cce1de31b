import { resolve } from "node:path";
import { defineCommand } from "../../spec.js";
import { CliError } from "../../errors.js";
import { rawString } from "../../args/raw.js";
import { ensureHome } from "../../config.js";

// `kvkey emulator token`: a bearer token from the emulator's token authority for a named principal (its
// `oid`), the way Entra would issue one to a user or an app: what an application under test, or curl,
// presents to a vault with RBAC authorization. Signed with the data directory's key, so a served
// emulator on that directory accepts it in `--auth strict` mode too. It prints the token, as
// `az account get-access-token` does: it is the point of the command.

const OID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export const emulatorTokenCommand = defineCommand({
  path: ["emulator", "token"],
  summary: "Issue a bearer token for a principal (its object id), for calls to the emulator as that principal.",
  description:
    "The token's oid is the principal that role assignments name. The resource is the audience: https://vault.localhost:{port} " +
    "(or https://managedhsm.localhost:{port}) is what a served emulator's challenge names, and what --auth strict checks.",
  options: [
    { flags: "--oid <oid>", help: "Object id of the principal (a GUID).", defaultText: "kvkey's own principal, 00000000-0000-0000-0000-000000000001" },
    { flags: "--resource <url>", help: "The resource (audience) the token is for.", defaultText: "https://vault.localhost" },
    { flags: "--subject <sub>", help: "The token's sub claim.", defaultText: "the oid" },
    { flags: "--data-dir <dir>", help: "Data directory of the emulator.", defaultText: "$KVKEY_HOME (~/.kvkey)" },
  ],
  examples: [
    {
      title: "Call a served emulator as a principal with curl.",
      command:
        "TOKEN=$(kvkey emulator token --oid 11111111-2222-3333-4444-555555555555 --resource https://vault.localhost:8443 --query accessToken -o tsv) && " +
        "curl --cacert \"$(kvkey emulator ca -o tsv)\" -H \"Authorization: Bearer $TOKEN\" \"https://demo.vault.localhost:8443/keys?api-version=7.4\"",
    },
  ],
  parse(raw, { cwd }) {
    const oid = rawString(raw, "oid");
    if (oid !== undefined && !OID.test(oid)) throw new CliError(`argument --oid: '${oid}' is not an object id (a GUID).`);
    const dataDir = rawString(raw, "dataDir");
    return {
      oid,
      resource: (rawString(raw, "resource") ?? "https://vault.localhost").replace(/\/\.default$/, "").replace(/\/$/, ""),
      subject: rawString(raw, "subject"),
      dataDir: dataDir === undefined ? undefined : resolve(cwd, dataDir),
    };
  },
  async run(o, ctx) {
    const dir = o.dataDir ?? ctx.home;
    ensureHome(dir);
    const { dataDirTokenIssuer, LOCAL_PRINCIPAL } = await import("../../../emulator/local-token.js");
    // Creates the data directory's security domain when it has none yet, as the emulator would.
    const issue = dataDirTokenIssuer(dir, { create: true });
    if (!issue) throw new CliError(`${dir} holds a database but no security-domain.json: the emulator of this data directory cannot open it either.`);
    const oid = o.oid ?? LOCAL_PRINCIPAL;
    const issued = issue(o.subject ?? (o.oid === undefined ? "local" : o.oid), o.resource, oid);
    return {
      accessToken: issued.token,
      expiresOn: new Date(issued.expiresOnTimestamp).toISOString(),
      expires_on: Math.floor(issued.expiresOnTimestamp / 1000),
      oid,
      resource: o.resource,
      tokenType: "Bearer",
    };
  },
});
