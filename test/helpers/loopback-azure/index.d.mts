// Types for index.mjs (plain JavaScript, so the benchmarks can use it too).
export declare const DIST_INDEX: string;
export declare const KVKEY_BIN: string;
export declare const FAKE_AZ_DIR: string;
export declare const VAULT_TENANT: string;
export declare const MI_CLIENT_ID: string;
export declare const MSI_ENDPOINT: string;
export declare const LOOPBACK_SUBSCRIPTION: string;

export interface LoopbackAzureOptions {
  vaults?: string[];
  hsms?: string[];
  imds?: "drop" | "refuse" | "answer" | "unroutable";
  servicePrincipals?: Array<{ clientId: string; secret?: string; federatedToken?: string }>;
  users?: Array<{ username: string; password: string; objectId: string }>;
}

export interface WorldRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface WorldEvent {
  t: number;
  kind: "managed-identity" | "imds" | "entra" | "arm" | "rekey";
  [detail: string]: unknown;
}

export interface LoopbackAzure {
  dir: string;
  caFile: string;
  caPem: string;
  pid: number;
  run(command: string, args: readonly string[], options?: { env?: Record<string, string>; cwd?: string; input?: string }): Promise<WorldRun>;
  kvkey(args: readonly string[], env: Record<string, string>, options?: { cwd?: string; input?: string }): Promise<WorldRun>;
  events(kind?: WorldEvent["kind"]): WorldEvent[];
  rekey(): Promise<void>;
  stop(): Promise<void>;
}

export declare function loopbackAzureSupport(): { ok: true } | { ok: false; reason: string };
export declare function startLoopbackAzure(options?: LoopbackAzureOptions): Promise<LoopbackAzure>;

export interface AzProfileAccount {
  kind?: "managed-identity" | "user" | "service-principal";
  tenantId?: string;
  userName?: string;
  clientId?: string;
  subscriptionId?: string;
  cloud?: string;
}
export declare function writeAzProfile(configDir: string, account?: AzProfileAccount): void;
export declare function fakeAzCalls(logFile: string): Array<{ argv: string[]; t: number }>;
export declare function removeDir(path: string): void;
