import type { PolicyProblem, Rule } from '../core/risk/policy-doc.js';
import type { SignalValues } from '../core/risk/signals.js';

/** A set of rules compiled for evaluation. */
export interface CompiledRules {
  readonly rules: readonly Rule[];
  /** The rules that fire on these signals. An evaluation error counts as not firing. */
  fired(signals: SignalValues): Rule[];
}

/** The expression language behind analyst rules (CEL), behind a port so the core stays pure. */
export interface RuleCompiler {
  /** Parses and type-checks one rule; returns the problem with its position, or null. */
  check(rule: Rule): PolicyProblem | null;
  compile(rules: readonly Rule[]): CompiledRules;
}
