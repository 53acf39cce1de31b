import type { UpdateKeyPropertiesOptions } from "@azure/keyvault-keys";
import { defineCommand } from "../spec.js";
import { withKeyDates } from "../../vault-client/key-dates.js";
import { keyIdOptions } from "../args/id-args.js";
import { threeState } from "../args/values.js";
import { keyView } from "../views/key-view.js";
import { keyTable } from "../views/tables.js";
import { idArgs, keyTarget } from "../args/key-target.js";
import { EXPIRES_OPTION, IMMUTABLE_OPTION, NOT_BEFORE_OPTION, OPS_OPTION, POLICY_OPTION, TAGS_OPTION, parseKeyProperties } from "../args/key-properties.js";

export const setAttributesCommand = defineCommand({
  path: ["set-attributes"],
  summary: "The update key operation changes specified attributes of a stored key and can be applied to any key type and key version stored in Vault or HSM.",
  description: "In order to perform this operation, the key must already exist in the Vault or HSM. The cryptographic material of a key itself cannot be changed.",
  options: [
    ...keyIdOptions({ version: true, collection: "keys" }),
    { flags: "--enabled [bool]", help: "Enable the key.", choices: ["false", "true"] },
    EXPIRES_OPTION,
    NOT_BEFORE_OPTION,
    OPS_OPTION,
    TAGS_OPTION,
    { ...POLICY_OPTION, preview: true },
    IMMUTABLE_OPTION,
  ],
  examples: [
    { title: "Disable the latest version of a key.", command: "kvkey set-attributes --vault-name demo --name mykey --enabled false" },
    { title: "Allow only signing and set an expiry date.", command: "kvkey set-attributes --vault-name demo -n signing --ops sign verify --expires 2030-01-01" },
    { title: "Clear all tags of one version.", command: "kvkey set-attributes --vault-name demo -n mykey --version 0123456789abcdef0123456789abcdef --tags \"\"" },
    { title: "Disable a key in Azure Key Vault.", command: "kvkey set-attributes --cloud AzureCloud --vault-name prod-kv --name signing --enabled false" },
  ],
  parse(raw, { commandName, cwd }) {
    return {
      ids: idArgs(raw),
      enabled: threeState(commandName, "--enabled", raw.enabled as string | boolean | undefined),
      props: parseKeyProperties(commandName, raw, cwd),
    };
  },
  async run(o, ctx) {
    const { client, address } = await keyTarget(ctx, o.ids, { takesVersion: true });
    const options: UpdateKeyPropertiesOptions = {};
    if (o.enabled !== undefined) options.enabled = o.enabled;
    if (o.props.notBefore) options.notBefore = o.props.notBefore;
    if (o.props.expiresOn) options.expiresOn = o.props.expiresOn;
    if (o.props.keyOps) options.keyOps = o.props.keyOps;
    if (o.props.tags) options.tags = o.props.tags;
    if (o.props.releasePolicy) options.releasePolicy = o.props.releasePolicy;
    const sent = withKeyDates(options, options);
    const key = address.version
      ? await client.updateKeyProperties(address.name, address.version, sent)
      : await client.updateKeyProperties(address.name, sent);
    return keyView(key);
  },
  tableView: keyTable,
});
