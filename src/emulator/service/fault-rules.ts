import { randomInt } from "node:crypto";
import { faultDraw, formatFaultRule, parseFaultRule, type FaultRule } from "../../shared/fault-rules.js";
import type { FaultStore } from "../store/fault-store.js";
import type { KeyStore } from "../store/key-store.js";

/** A rule as `kvkey emulator fault list` shows it. */
export interface FaultRuleView {
  /** 1-based, in the order rules are tried. */
  position: number;
  rule: string;
  /** How many requests it has hit. */
  injected: number;
}

export interface FaultRulesView {
  /** The seed of the draws behind `rate`: give it again (`--seed`) to hit the same requests. */
  seed: number;
  rules: FaultRuleView[];
}

/**
 * The fault rules of a data directory (shared/fault-rules.ts says what a rule is): kept in the database,
 * so `kvkey emulator fault set` reaches a running emulator and every one of its workers, which reread
 * them when their version moves. Whether a matching rule hits a request (its count, its rate's draw) is
 * decided in one write, so workers share counts and the seeded sequence of draws.
 */
export class FaultRules {
  private cache: { version: number; rules: Array<{ position: number; rule: FaultRule }> } | undefined;

  constructor(
    private readonly store: KeyStore,
    private readonly faults: FaultStore,
  ) {}

  /** The rules in order; reread only when they changed (one single-row read otherwise). */
  current(): ReadonlyArray<{ position: number; rule: FaultRule }> {
    const version = this.faults.version();
    if (this.cache?.version !== version) {
      const rules = this.store.read(() => this.faults.rules()).flatMap(({ position, spec }) => {
        try {
          return [{ position, rule: parseFaultRule(spec) }];
        } catch {
          return []; // written by a newer kvkey: not ours to apply
        }
      });
      this.cache = { version, rules };
    }
    return this.cache.rules;
  }

  /** Whether a rule that matches a request hits it: not spent (count), and its rate's draw falls in. */
  fire(position: number, rule: FaultRule): boolean {
    return this.store.write(() => {
      const injected = this.faults.injected(position);
      if (injected === undefined) return false; // the rules changed under us
      if (rule.count !== undefined && injected >= rule.count) return false;
      if (rule.rate < 1) {
        const { n, seed } = this.faults.draw();
        if (faultDraw(seed, n) >= rule.rate) return false;
      }
      this.faults.hit(position);
      return true;
    });
  }

  list(): FaultRulesView {
    return this.store.read(() => ({
      seed: this.faults.settings().seed,
      rules: this.faults.rules().map(({ position, spec, injected }) => ({ position, rule: spec, injected })),
    }));
  }

  /**
   * Replaces the rules (each in its written form; a FaultRuleError names what is wrong) and restarts the
   * draws from `seed` (a random one when none is given: `list` shows it).
   */
  set(rules: ReadonlyArray<string | FaultRule>, seed?: number): FaultRulesView {
    const specs = rules.map((r) => formatFaultRule(typeof r === "string" ? parseFaultRule(r) : r));
    if (seed !== undefined && (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff)) {
      throw new RangeError(`a fault seed is a whole number from 0 to 4294967295, not ${seed}`);
    }
    this.store.write(() => this.faults.replace(specs, seed ?? randomInt(0, 2 ** 32)));
    return this.list();
  }

  clear(): FaultRulesView {
    this.store.write(() => this.faults.replace([], undefined));
    return this.list();
  }
}
