import { beforeAll, describe, expect, test } from "vitest";
import { createHttpHeaders, type HttpClient } from "@azure/core-rest-pipeline";
import { KeyClient } from "@azure/keyvault-keys";
import type { ServedEmulator } from "../../src/emulator/server.js";
import { Agent } from "node:https";
import { agentHttpClient } from "../../src/vault-client/served.js";
import { kvkeyPolicies } from "../../src/vault-client/factory.js";
import { ListedItems } from "../../src/vault-client/list-items.js";
import { withKeyDates } from "../../src/vault-client/key-dates.js";
import { cliIn } from "../helpers/cli.js";
import { servedForFile } from "../helpers/served.js";

// @azure/keyvault-keys sends nbf/exp as 32-bit integers, so dates after 2038-01-19 wrap to negative
// seconds; src/vault-client/key-dates.ts puts the exact seconds back on every transport. Each path here
// writes a date after 2038 and reads it back from the vault.

const EXPIRES = "2040-01-01T00:00:00+00:00";
const NOT_BEFORE = "2039-06-01T12:00:00+00:00";

const emulator = servedForFile();
let served: ServedEmulator;
let cli: ReturnType<typeof cliIn>;

beforeAll(() => {
  served = emulator.served;
  cli = cliIn(emulator.home);
});

const dates = ["--expires", "2040-01-01", "--not-before", "2039-06-01T12:00:00Z"];
const readBack = ["--query", "[attributes.expires, attributes.notBefore]", "-o", "tsv"];

describe("dates after 2038 on every path", () => {
  test("embedded vault: create and set-attributes read their dates back (import: test/cli/az-parity.test.ts)", async () => {
    const created = await cli(["create", "--vault-name", "dates", "-n", "k", "--kty", "EC", ...dates, ...readBack]);
    expect(created.stdout).toBe(`${EXPIRES}\n${NOT_BEFORE}\n`);
    await cli(["set-attributes", "--vault-name", "dates", "-n", "k", "--expires", "2100-02-28T23:59:59Z", "-o", "none"]);
    expect((await cli(["show", "--vault-name", "dates", "-n", "k", "--query", "attributes.expires", "-o", "tsv"])).stdout).toBe("2100-02-28T23:59:59+00:00\n");
  });

  test("served emulator over HTTPS: the CLI's --id with a port", async () => {
    const id = `https://dates.vault.localhost:${served.port}/keys/k`;
    const created = await cli(["create", "--id", id, "--kty", "EC", ...dates, "-o", "none"]);
    expect(created.code, created.stderr).toBe(0);
    expect((await cli(["show", "--id", id, ...readBack])).stdout).toBe(`${EXPIRES}\n${NOT_BEFORE}\n`);
    await cli(["set-attributes", "--id", id, "--not-before", "2050-05-05", "-o", "none"]);
    expect((await cli(["show", "--id", id, "--query", "attributes.notBefore", "-o", "tsv"])).stdout).toBe("2050-05-05T00:00:00+00:00\n");
  });

  test("an Azure host (*.vault.azure.net): the policies every Azure client gets, over HTTPS to the served emulator", async () => {
    // What the factory builds for Azure (the same policies), with the transport pointed at the served
    // emulator: the request keeps its Azure URL and Host header, only the connection goes to loopback.
    // TLS still verifies the emulator's certificate, as "localhost" (the Host header names Azure).
    const inner = agentHttpClient(new Agent({ ca: served.caPem, servername: "localhost" }));
    const loopback: HttpClient = {
      sendRequest(request) {
        const url = new URL(request.url);
        const headers = createHttpHeaders(request.headers.toJSON());
        headers.set("host", url.host);
        return inner.sendRequest({ ...request, url: `https://localhost:${served.port}${url.pathname}${url.search}`, headers });
      },
    };
    const credential = { getToken: async () => ({ token: "azure-token", expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const client = new KeyClient("https://prodkv.vault.azure.net", credential, {
      httpClient: loopback,
      additionalPolicies: kvkeyPolicies(new ListedItems()),
      retryOptions: { maxRetries: 0 },
    });
    const expiresOn = new Date(EXPIRES);
    const notBefore = new Date(NOT_BEFORE);
    const created = await client.createKey("k", "EC", withKeyDates({ expiresOn, notBefore }, { expiresOn, notBefore }));
    expect(created.id).toMatch(/^https:\/\/prodkv\.vault\.azure\.net\/keys\/k\//);
    const read = await client.getKey("k");
    expect(read.properties.expiresOn?.toISOString()).toBe("2040-01-01T00:00:00.000Z");
    expect(read.properties.notBefore?.toISOString()).toBe("2039-06-01T12:00:00.000Z");

    // Without the work-around the SDK would have sent a wrapped, negative exp: the policy is what fixes it.
    const bare = new KeyClient("https://prodkv.vault.azure.net", credential, { httpClient: loopback, retryOptions: { maxRetries: 0 } });
    await expect(bare.createKey("k2", "EC", { expiresOn })).rejects.toMatchObject({ statusCode: 400 });
  });
});
