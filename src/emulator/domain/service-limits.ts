import { isHsmType, type KeyType } from "./key.js";

// Key Vault's documented service limits (learn.microsoft.com/azure/key-vault/general/service-limits,
// "Key transactions (maximum transactions allowed in 10 seconds, per vault per region)"):
//
//   key type       HSM key: CREATE  all other   software key: CREATE  all other
//   RSA 2,048-bit            10        2,000                   20        4,000
//   RSA 3,072-bit            10          500                   20        1,000
//   RSA 4,096-bit            10          250                   20          500
//   ECC (every curve)        10        2,000                   20        4,000
//   secrets and vault transactions, all other:                            4,000
//
// "The throttling thresholds are weighted, and enforcement is on their sum": in one 10-second window a
// vault takes 250 RSA-4096 HSM GETs, or 248 of them and 16 RSA-2048 HSM GETs. So each transaction costs
// 1/limit of its budget, and a request is refused (429) when the window's sum would pass the budget.
// Creates and all other transactions are two budgets (the table's two columns); transactions that name
// no key (lists, restore, a key that does not exist) cost what the table's vault transactions do.
// "Failed requests that return a 429 do not count towards the throttle limits" (throttling guidance).
// Not modelled: the subscription-wide limit (five times a vault's), and Managed HSM, whose scaling
// guidance says it "does not throttle on cryptographic operation transactions" (its other numbers are
// hardware capacity, not limits).

/** The window the limits are counted over. */
export const LIMIT_WINDOW_MS = 10_000;

/** A budget's size in cost units: every limit above divides it, so costs are whole numbers. */
export const BUDGET_UNITS = 4_000_000;

export type LimitBudget = "create" | "other";

/** What a transaction costs, and from which budget. */
export interface LimitCharge {
  budget: LimitBudget;
  /** BUDGET_UNITS / the documented limit. */
  cost: number;
}

/** What the limits need to know of a key: its type and size (RSA) . */
export interface LimitedKey {
  kty: KeyType;
  /** RSA modulus bits; ignored for EC. */
  keySize?: number;
}

const VAULT_TRANSACTIONS_LIMIT = 4_000;

function otherLimit(key: LimitedKey): number {
  const hsm = isHsmType(key.kty);
  if (key.kty.startsWith("RSA")) {
    const size = key.keySize ?? 2048;
    const software = size >= 4096 ? 500 : size >= 3072 ? 1_000 : 4_000;
    return hsm ? software / 2 : software;
  }
  return hsm ? 2_000 : 4_000;
}

/** A key creation (create, import, rotate) of this key type. */
export function createCharge(key: LimitedKey): LimitCharge {
  return { budget: "create", cost: BUDGET_UNITS / (isHsmType(key.kty) ? 10 : 20) };
}

/** Any other transaction on a key of this type; on no key (or an unknown one), a vault transaction. */
export function otherCharge(key: LimitedKey | undefined): LimitCharge {
  return { budget: "other", cost: BUDGET_UNITS / (key ? otherLimit(key) : VAULT_TRANSACTIONS_LIMIT) };
}

/** The service's answer past a limit (as pasted from real 429s, e.g. vcsjones/AzureSignTool issue 219). */
export const THROTTLED_MESSAGE = "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached";
