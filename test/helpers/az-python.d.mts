export const AZ_SHIM: string;
export const AZ_VENDORED_T1: string;
/** Prepares `dir` and returns the PYTHONPATH entry (the shim) and the CA bundle (REQUESTS_CA_BUNDLE). */
export function prepareAzPython(dir: string, caPem: string): { shim: string; bundle: string };
