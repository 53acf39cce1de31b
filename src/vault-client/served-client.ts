import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import type { Agent } from "node:https";
import { servedAgent } from "./served.js";
import { tightenDataDir, trustableCaFile } from "../shared/files.js";

/** Where the served emulator's CA is: KVKEY_EMULATOR_CA, or the tls/ folder of $KVKEY_HOME. */
export function emulatorCaPath(home: string, env: Record<string, string | undefined>): string {
  return env.KVKEY_EMULATOR_CA && env.KVKEY_EMULATOR_CA !== "" ? env.KVKEY_EMULATOR_CA : join(home, "tls", "ca.pem");
}

export class EmulatorCaMissingError extends Error {
  override readonly name = "EmulatorCaMissingError";
}

/**
 * The agent (trusting only the emulator's CA) and a credential for a served emulator. When the
 * emulator shares kvkey's data directory the token is minted with its security domain, so it passes
 * `--auth strict` too.
 */
export async function servedConnection(home: string, env: Record<string, string | undefined>): Promise<{ agent: Agent; credential: TokenCredential }> {
  const caPath = emulatorCaPath(home, env);
  if (!existsSync(caPath)) {
    throw new EmulatorCaMissingError(
      `The served emulator's CA certificate was not found at ${caPath}. Start the emulator with this KVKEY_HOME (kvkey emulator start), or set KVKEY_EMULATOR_CA to its ca.pem.`,
    );
  }
  // As `kvkey emulator start` does: the home's files (the identity header, the security domain) are
  // tightened, and a CA certificate others could replace is not trusted.
  tightenDataDir(home);
  trustableCaFile(caPath);
  const agent = servedAgent(readFileSync(caPath, "utf8"));
  const credential: TokenCredential = await localTokenCredential(home);
  return { agent, credential };
}

async function localTokenCredential(home: string): Promise<TokenCredential> {
  const { dataDirTokenIssuer } = await import("../emulator/local-token.js");
  const issue = dataDirTokenIssuer(home);
  if (issue) {
    const { audienceOf } = await import("./embedded.js");
    return { getToken: async (scopes): Promise<AccessToken> => issue("local", audienceOf(scopes)) };
  }
  // An emulator with its own data directory, in its default `--auth any` mode, accepts any token.
  return { getToken: async (): Promise<AccessToken> => ({ token: "kvkey-cli", expiresOnTimestamp: Date.now() + 3_600_000 }) };
}
