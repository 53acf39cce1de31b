import { describe, expect, test } from "vitest";
import { azureCredential, NoCredentialsError } from "../../../src/vault-client/azure-credential.js";
import { normalizeError } from "../../../src/cli/error-report.js";
import { AuthenticationError } from "../../../src/cli/errors.js";
import { patient } from "../../helpers/patience.js";

describe("Azure credentials", () => {
  test("with nothing signed in, one line says how to sign in", async () => {
    // No environment credentials, no az, no managed identity on this machine: every source is unavailable.
    const env = { PATH: "/nonexistent", AZURE_CLIENT_ID: undefined };
    const saved = { path: process.env.PATH };
    process.env.PATH = "/nonexistent";
    try {
      const credential = await azureCredential(env);
      const failure = await credential.getToken("https://vault.azure.net/.default").then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(NoCredentialsError);
      const cli = normalizeError(failure);
      expect(cli).toBeInstanceOf(AuthenticationError);
      expect(cli.message).toBe(
        "No Azure credentials found. Please run 'az login' to setup account, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.",
      );
    } finally {
      process.env.PATH = saved.path;
    }
  }, patient(60_000));
});
