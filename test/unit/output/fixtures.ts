// Command results shaped like kvkey's (and az's) output, shared by the output tests.

/** A track-2 key object as `show`/`create` return it: every top-level value is an object or null. */
export function keyResult(tags: Record<string, string> | null = null) {
  return {
    attributes: {
      created: "2024-05-01T10:00:00+00:00",
      enabled: true,
      expires: null,
      exportable: false,
      notBefore: null,
      recoverableDays: 90,
      recoveryLevel: "Recoverable+Purgeable",
      updated: "2024-05-01T10:00:00+00:00",
    },
    key: {
      crv: null,
      d: null,
      dp: null,
      dq: null,
      e: "AQAB",
      k: null,
      keyOps: ["encrypt", "decrypt"],
      kid: "https://demo.vault.azure.net/keys/k1/0f1e2d3c",
      kty: "RSA",
      n: "3SxJ+Awv/J8M==",
      p: null,
      q: null,
      qi: null,
      t: null,
      x: null,
      y: null,
    },
    managed: null,
    releasePolicy: null,
    tags,
  };
}

/** Two `key list` items, deliberately not in name order and with fields out of alphabetical order. */
export function listResult() {
  return [
    {
      name: "beta",
      kid: "https://demo.vault.azure.net/keys/beta",
      attributes: { enabled: true, created: "2024-05-02T00:00:00+00:00" },
      managed: null,
      tags: { env: "dev" },
    },
    {
      name: "alpha",
      kid: "https://demo.vault.azure.net/keys/alpha",
      attributes: { enabled: false, created: "2024-05-01T00:00:00+00:00" },
      managed: null,
      tags: null,
    },
  ];
}
