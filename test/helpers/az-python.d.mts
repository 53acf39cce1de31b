export const AZ_SHIM: string;
export const AZ_VENDORED_T1: string;
/** Prepares `dir` and returns the PYTHONPATH entry (the shim) and the CA bundle (REQUESTS_CA_BUNDLE). */
export function prepareAzPython(dir: string, caPem: string): { shim: string; bundle: string };
/** az logged in as a system-assigned managed identity of cloud `cloud`, in the az configuration directory `configDir`. */
export function writeManagedIdentityProfile(configDir: string, cloud: string): void;
