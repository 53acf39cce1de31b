// az's enums in az's own order, which is the order its "Allowed values: ..." errors list them in
// (the order of the Python SDK enum or of the list the argument was declared with). Help shows choices
// sorted, as az's help does, so help and these lists may differ in order but never in content.

/** --ops: azure-cli's CLIJsonWebKeyOperation. */
export const KEY_OPS_AZ_ORDER = ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey", "import", "export"] as const;

/** --curve: azure-keyvault-keys' KeyCurveName. */
export const CURVES_AZ_ORDER = ["P-256", "P-384", "P-521", "P-256K"] as const;

/** --protection/-p: get_enum_type(['software', 'hsm']). */
export const PROTECTION_AZ_ORDER = ["software", "hsm"] as const;

/** --output/-o: knack's formatters. */
export const OUTPUT_AZ_ORDER = ["json", "jsonc", "yaml", "yamlc", "table", "tsv", "none"] as const;
