import { Environment } from '@marcbachmann/cel-js';
import type { PolicyProblem, Rule } from '../../core/risk/policy-doc.js';
import { SIGNALS, type SignalValues } from '../../core/risk/signals.js';
import type { CompiledRules, RuleCompiler } from '../../ports/rules.js';

/** Builds the typed CEL environment from the signal table: one variable per signal group. */
function environment(): Environment {
  const env = new Environment({ limits: { maxAstNodes: 2_000, maxDepth: 50, maxListElements: 1_000, maxMapEntries: 100, maxCallArguments: 8 } });
  for (const [group, fields] of Object.entries(SIGNALS))
    env.registerVariable({ name: group, schema: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.type])) });
  return env;
}

function position(expr: string, offset: number | undefined): { line?: number; column?: number } {
  if (offset === undefined) return {};
  const before = expr.slice(0, offset).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

function describe(rule: Rule, e: unknown): PolicyProblem {
  const err = e as { message?: string; range?: { start?: number } };
  const first = (err.message ?? String(e)).split('\n')[0]!;
  const pos = position(rule.when, err.range?.start);
  const where = pos.line ? ` at line ${pos.line}, column ${pos.column}` : '';
  return { ruleId: rule.id, message: `rule ${rule.id}: ${first}${where}`, ...pos };
}

/** Fills every declared field the evaluation context lacks, so a rule never reads a missing key. */
function complete(signals: SignalValues): SignalValues {
  const out: SignalValues = {};
  for (const [group, fields] of Object.entries(SIGNALS) as [keyof typeof SIGNALS, Record<string, { type: string }>][]) {
    const given = signals[group] ?? {};
    const g: Record<string, number | boolean | string> = {};
    for (const [k, v] of Object.entries(fields)) g[k] = given[k] ?? (v.type === 'double' ? 0 : v.type === 'bool' ? false : '');
    out[group] = g;
  }
  return out;
}

export function celCompiler(): RuleCompiler {
  const env = environment();
  return {
    check(rule) {
      let r;
      try {
        r = env.check(rule.when);
      } catch (e) {
        return describe(rule, e);
      }
      if (!r.valid) return describe(rule, r.error);
      if (r.type !== 'bool') return { ruleId: rule.id, message: `rule ${rule.id}: expression must be bool, not ${r.type}` };
      return null;
    },
    compile(rules) {
      const fns = rules.map((rule) => ({ rule, fn: env.parse(rule.when) }));
      return {
        rules,
        fired(signals) {
          const ctx = complete(signals);
          const out: Rule[] = [];
          for (const { rule, fn } of fns) {
            try {
              if (fn(ctx) === true) out.push(rule);
            } catch {
              // A rule that cannot be evaluated on these signals does not fire.
            }
          }
          return out;
        },
      } satisfies CompiledRules;
    },
  };
}
