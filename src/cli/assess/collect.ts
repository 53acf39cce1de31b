import type { KeyClient, KeyProperties } from "@azure/keyvault-keys";
import type { Counter } from "../../io/progress.js";
import type { KeyFacts, RotationFacts } from "./rules.js";

// The facts `kvkey assess` judges, read through the SDK with data-plane reads only (list keys, get key,
// get rotation policy), so the same code assesses the emulator and a real vault or HSM with nothing but
// read permissions (Key Vault Reader / Crypto User style roles).

const CONCURRENCY = 8;

export interface Collected {
  keys: KeyFacts[];
  /** Things the user should know about how the facts were read (stderr warnings). */
  notes: string[];
}

function statusOf(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown }).statusCode;
  return typeof status === "number" ? status : undefined;
}

export async function collectKeys(client: KeyClient, progress?: Counter): Promise<Collected> {
  const listed: KeyProperties[] = [];
  try {
    for await (const page of client.listPropertiesOfKeys().byPage({ maxPageSize: 25 })) {
      for (const p of page) if (!p.managed) listed.push(p);
      progress?.update(listed.length);
    }
  } finally {
    progress?.done();
  }
  const notes = new Set<string>();
  const keys: KeyFacts[] = [];
  let next = 0;
  const worker = async () => {
    while (next < listed.length) {
      const props = listed[next++]!;
      const facts = await keyFacts(client, props.name, notes);
      if (facts) keys.push(facts);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, listed.length) }, worker));
  keys.sort((a, b) => a.name.localeCompare(b.name));
  return { keys, notes: [...notes] };
}

async function keyFacts(client: KeyClient, name: string, notes: Set<string>): Promise<KeyFacts | undefined> {
  let key;
  try {
    key = await client.getKey(name);
  } catch (err) {
    if (statusOf(err) === 404) return undefined; // deleted between the list and the read
    throw err;
  }
  const facts: KeyFacts = {
    name: key.name,
    operations: (key.keyOperations ?? []).map(String),
    enabled: key.properties.enabled !== false,
    rotation: await rotationFacts(client, key.name, notes),
  };
  if (key.properties.version) facts.version = key.properties.version;
  if (key.keyType) facts.kty = key.keyType;
  if (key.key?.n) facts.rsaBits = key.key.n.length * 8;
  if (key.properties.expiresOn) facts.expiresOn = key.properties.expiresOn.getTime();
  return facts;
}

async function rotationFacts(client: KeyClient, name: string, notes: Set<string>): Promise<RotationFacts> {
  try {
    const policy = await client.getKeyRotationPolicy(name);
    const actions = (policy.lifetimeActions ?? []).map((a) => ({
      action: String(a.action),
      ...(a.timeAfterCreate ? { timeAfterCreate: a.timeAfterCreate } : {}),
      ...(a.timeBeforeExpiry ? { timeBeforeExpiry: a.timeBeforeExpiry } : {}),
    }));
    return { state: "read", actions, ...(policy.expiresIn ? { expiresIn: policy.expiresIn } : {}) };
  } catch (err) {
    const status = statusOf(err);
    if (status === 404 || status === 501) {
      notes.add(`The vault answered ${status} for rotation policies; keys were assessed as having none.`);
      return { state: "none", status };
    }
    if (status === 401 || status === 403) {
      notes.add(`Rotation policies could not be read (HTTP ${status}: the identity lacks the permission); rotation was not assessed.`);
      return { state: "unreadable", reason: `HTTP ${status}` };
    }
    throw err;
  }
}
