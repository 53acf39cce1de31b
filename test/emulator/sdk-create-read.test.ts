import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KeyClient, KeyProperties } from "@azure/keyvault-keys";
import { testVault, type TestVault } from "../helpers/emulator.js";

// Create, get, list and list versions, driven through the real @azure/keyvault-keys KeyClient wired
// in-process to the emulator. Everything the SDK sees here is what a user's program would see.

/** Awaits a promise that must reject with a RestError of this status and code. */
async function expectRestError(promise: Promise<unknown>, statusCode: number, code: string): Promise<Error> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected a ${statusCode} ${code}`).toBeInstanceOf(Error);
  expect(err).toMatchObject({ name: "RestError", statusCode, code });
  return err as Error;
}

async function collect(iterable: AsyncIterable<KeyProperties[]>): Promise<KeyProperties[][]> {
  const pages: KeyProperties[][] = [];
  for await (const page of iterable) pages.push(page);
  return pages;
}

let vault: TestVault;
let client: KeyClient;
let hsm: KeyClient;

beforeAll(() => {
  vault = testVault({ vaultUrl: "https://create.vault.localhost" });
  client = vault.client;
  hsm = vault.clientFor("https://create.managedhsm.localhost");
});
afterAll(() => vault.close());

describe("create RSA keys", () => {
  it("creates RSA 2048 with the default exponent 65537 and the service's default key_ops", async () => {
    const key = await client.createRsaKey("rsa2048", { keySize: 2048 });
    expect(key.keyType).toBe("RSA");
    expect(key.key?.n?.length).toBe(256);
    expect(Buffer.from(key.key!.e!).toString("hex")).toBe("010001");
    expect(key.keyOperations).toEqual(["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]);
    expect(key.id).toMatch(/^https:\/\/create\.vault\.localhost\/keys\/rsa2048\/[0-9a-f]{32}$/);
    expect(key.properties.vaultUrl).toBe("https://create.vault.localhost");
    expect(key.properties.enabled).toBe(true);
  });

  it("creates RSA 3072", async () => {
    // KeyClient 4.10.2 drops `publicExponent` from createKey's options before it reaches the wire, so the
    // exponent is pinned by the raw-request tests (wire.test.ts) instead.
    const key = await client.createRsaKey("rsa3072", { keySize: 3072 });
    expect(key.key?.n?.length).toBe(384);
  });

  it("creates RSA 4096 (RSA-HSM when asked for hardware protection)", async () => {
    const key = await client.createRsaKey("rsa4096", { keySize: 4096, hsm: true });
    expect(key.keyType).toBe("RSA-HSM");
    expect(key.key?.n?.length).toBe(512);
  });

  it("refuses an RSA size the service does not offer", async () => {
    await expectRestError(client.createRsaKey("rsa1024", { keySize: 1024 }), 400, "BadParameter");
  });

  it("never returns the private members", async () => {
    const key = await client.getKey("rsa2048");
    for (const member of ["d", "p", "q", "dp", "dq", "qi", "k"] as const) expect(key.key?.[member]).toBeUndefined();
  });
});

describe("create EC keys", () => {
  const curves = [
    ["P-256", 32],
    ["P-256K", 32],
    ["P-384", 48],
    ["P-521", 66],
  ] as const;
  for (const [curve, bytes] of curves) {
    it(`creates an EC key on ${curve}`, async () => {
      const key = await client.createEcKey(`ec-${curve}`, { curve });
      expect(key.keyType).toBe("EC");
      expect(key.key?.crv).toBe(curve);
      expect(key.key?.x?.length).toBe(bytes);
      expect(key.key?.y?.length).toBe(bytes);
      expect(key.key?.d).toBeUndefined();
      expect(key.keyOperations).toEqual(["sign", "verify"]);
    });
  }

  it("refuses a curve Key Vault does not have with KeyCurveNotSupported", async () => {
    await expectRestError(client.createEcKey("ed", { curve: "Ed25519" as "P-256" }), 400, "KeyCurveNotSupported");
  });
});

describe("keys in a Managed HSM", () => {
  for (const keySize of [128, 192, 256]) {
    it(`creates oct-HSM ${keySize} and never returns k`, async () => {
      const key = await hsm.createOctKey(`oct${keySize}`, { keySize, hsm: true });
      expect(key.keyType).toBe("oct-HSM");
      expect(key.key?.k).toBeUndefined();
      expect(key.id).toMatch(new RegExp(`^https://create\\.managedhsm\\.localhost/keys/oct${keySize}/[0-9a-f]{32}$`));
      const again = await hsm.getKey(`oct${keySize}`);
      expect(again.key?.k).toBeUndefined();
      expect(again.keyType).toBe("oct-HSM");
    });
  }

  it("stores plain RSA and EC requests as RSA-HSM and EC-HSM", async () => {
    expect((await hsm.createRsaKey("rsa", { keySize: 2048 })).keyType).toBe("RSA-HSM");
    expect((await hsm.createEcKey("ec", { curve: "P-384" })).keyType).toBe("EC-HSM");
    // oct without -HSM: a Managed HSM keeps every key in its HSM.
    expect((await hsm.createKey("plain-oct", "oct", { keySize: 256 } as never)).keyType).toBe("oct-HSM");
  });

  it("refuses symmetric keys in a key vault", async () => {
    await expectRestError(client.createOctKey("oct-in-vault", { keySize: 256, hsm: true }), 400, "BadParameter");
    await expectRestError(client.createKey("oct-plain", "oct"), 400, "BadParameter");
  });

  it("keeps a vault and an HSM of the same name apart", async () => {
    await expectRestError(client.getKey("oct256"), 404, "KeyNotFound");
  });
});

describe("get", () => {
  it("reads the latest version and any version by id", async () => {
    const first = await client.createEcKey("versioned", { curve: "P-256" });
    const second = await client.createEcKey("versioned", { curve: "P-256" });
    expect(second.properties.version).not.toBe(first.properties.version);

    const latest = await client.getKey("versioned");
    expect(latest.id).toBe(second.id);
    expect(Buffer.from(latest.key!.x!)).toEqual(Buffer.from(second.key!.x!));

    const old = await client.getKey("versioned", { version: first.properties.version! });
    expect(old.id).toBe(first.id);
    expect(Buffer.from(old.key!.x!)).toEqual(Buffer.from(first.key!.x!));
  });

  it("reports KeyNotFound for an unknown name or version", async () => {
    await expectRestError(client.getKey("no-such-key"), 404, "KeyNotFound");
    await expectRestError(client.getKey("versioned", { version: "0".repeat(32) }), 404, "KeyNotFound");
  });

  it("reports a clear not-found error for a vault nothing was ever written to", async () => {
    const err = await expectRestError(vault.clientFor("https://never.vault.localhost").getKey("k"), 404, "VaultNotFound");
    expect(err.message).toContain("never.vault.localhost");
  });
});

describe("list and list versions", () => {
  let paged: KeyClient;
  const names = Array.from({ length: 27 }, (_, i) => `key-${String(i).padStart(2, "0")}`);
  const versionIds: string[] = [];

  beforeAll(async () => {
    paged = vault.clientFor("https://paged.vault.localhost");
    // EC P-256 keys are cheap to generate; 27 keys and 27 versions cross the 25-item page boundary.
    for (const name of names) await paged.createEcKey(name, { curve: "P-256" });
    for (let i = 0; i < 27; i++) versionIds.push((await paged.createEcKey("many-versions", { curve: "P-256" })).properties.version!);
  });

  it("pages keys with the service's default page size of 25", async () => {
    const pages = await collect(paged.listPropertiesOfKeys().byPage());
    expect(pages.map((p) => p.length)).toEqual([25, 3]);
    const listed = pages.flat().map((p) => p.name);
    expect(listed).toEqual([...names, "many-versions"].sort());
    // Key list items carry the unversioned kid.
    expect(pages[0]![0]!.id).toBe("https://paged.vault.localhost/keys/key-00");
    expect(pages[0]![0]!.version).toBeUndefined();
  });

  it("honours maxPageSize and hands out absolute nextLinks the SDK follows verbatim", async () => {
    vault.exchanges.length = 0;
    const pages = await collect(paged.listPropertiesOfKeys().byPage({ maxPageSize: 10 }));
    expect(pages.map((p) => p.length)).toEqual([10, 10, 8]);
    expect(new Set(pages.flat().map((p) => p.name)).size).toBe(28);

    const gets = vault.exchanges.filter((e) => e.method === "GET" && e.status === 200);
    expect(gets).toHaveLength(3);
    expect(new URL(gets[0]!.url).searchParams.get("maxresults")).toBe("10");
    const links = gets.map((e) => JSON.parse(e.body).nextLink as string | null);
    expect(links[2]).toBeNull();
    for (const [i, link] of links.slice(0, 2).entries()) {
      expect(link).toMatch(/^https:\/\/paged\.vault\.localhost\/keys\?/);
      const next = new URL(link!);
      expect(next.searchParams.get("maxresults")).toBe("10");
      expect(next.searchParams.get("api-version")).toBe("2025-07-01");
      expect(next.searchParams.get("$skiptoken")).toBeTruthy();
      // The SDK requested exactly the link the previous page handed out.
      expect(gets[i + 1]!.url).toBe(link);
    }
  });

  it("resumes from a continuation token (the nextLink)", async () => {
    vault.exchanges.length = 0;
    await paged.listPropertiesOfKeys().byPage({ maxPageSize: 5 }).next();
    const token = JSON.parse(vault.exchanges.at(-1)!.body).nextLink as string;
    const resumed = await paged.listPropertiesOfKeys().byPage({ continuationToken: token, maxPageSize: 5 }).next();
    expect((resumed.value as KeyProperties[]).map((p) => p.name)).toEqual(names.slice(5, 10));
  });

  it("pages every version of a key, each with its versioned kid", async () => {
    const pages = await collect(paged.listPropertiesOfKeyVersions("many-versions").byPage({ maxPageSize: 25 }));
    expect(pages.map((p) => p.length)).toEqual([25, 2]);
    const listed = pages.flat();
    expect(listed.map((p) => p.version)).toEqual(versionIds);
    expect(listed[0]!.id).toBe(`https://paged.vault.localhost/keys/many-versions/${versionIds[0]}`);
  });

  it("lists nothing from an emptied vault but still answers (the vault exists)", async () => {
    const other = vault.clientFor("https://create.managedhsm.localhost");
    const all: string[] = [];
    for await (const p of other.listPropertiesOfKeys()) all.push(p.name);
    expect(all.sort()).toEqual(["ec", "oct128", "oct192", "oct256", "plain-oct", "rsa"]);
  });
});
