import { defineCommand } from "../spec.js";
import { PREVIEW_WARNING } from "../args/crypto-target.js";

/** az's template, verbatim (keys in az's order; the output stage sorts them). */
export const POLICY_TEMPLATE = {
  anyOf: [{ allOf: [{ claim: "<claim name>", equals: "<value to match>" }], authority: "<issuer>" }],
  version: "1.0.0",
};

export const getPolicyTemplateCommand = defineCommand({
  path: ["get-policy-template"],
  summary: "Get policy template.",
  description: "A release policy skeleton for --policy of create, import and set-attributes. Local: no vault is reached.",
  preview: true,
  options: [],
  examples: [{ title: "Start a release policy file.", command: "kvkey get-policy-template > policy.json" }],
  parse: () => ({}),
  async run(_o, ctx) {
    ctx.warn(PREVIEW_WARNING);
    return structuredClone(POLICY_TEMPLATE);
  },
});
