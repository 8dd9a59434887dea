import { Environment } from '@marcbachmann/cel-js';
import type { PolicyProblem, Rule } from '../../core/risk/policy-doc.js';
import { parseVelocityName, referencedSignals, SIGNALS, type SignalValues } from '../../core/risk/signals.js';
import { transpile } from './transpile.js';
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

type Defaults = readonly (readonly [group: keyof typeof SIGNALS, name: string, value: number | boolean | string])[];

/** The declared default (0, false or "") of every signal the rules read. */
function defaultsFor(rules: readonly Rule[]): Defaults {
  const out: [keyof typeof SIGNALS, string, number | boolean | string][] = [];
  for (const ref of new Set(rules.flatMap((r) => referencedSignals(r.when)))) {
    const [group, name] = ref.split('.') as [keyof typeof SIGNALS, string];
    const decl = (SIGNALS[group] as Record<string, { type: string }> | undefined)?.[name];
    if (decl) out.push([group, name, decl.type === 'double' ? 0 : decl.type === 'bool' ? false : '']);
  }
  return out;
}

/**
 * Fills the signals the rules read but the engine did not compute (say, device velocity for a
 * claim without a device id), so a rule never stops on a missing key. Copies only the groups it
 * touches; the rest of the context is shared.
 */
function complete(signals: SignalValues, defaults: Defaults): SignalValues {
  // On the decision path: indexed loops, no iterators or destructuring, no per-call allocation
  // unless something is missing (the engine supplies every signal, so usually nothing is).
  let out: SignalValues | null = null;
  for (let i = 0; i < defaults.length; i++) {
    const d = defaults[i]!;
    const group = d[0];
    const g = signals[group];
    if (g !== undefined && g[d[1]] !== undefined) continue;
    out ??= { ...signals };
    if (out[group] === g) out[group] = { ...g };
    out[group]![d[1]] = d[2];
  }
  const ctx = out ?? signals;
  for (let i = 0; i < GROUP_LIST.length; i++) {
    const g = GROUP_LIST[i]!;
    if (!ctx[g]) (out ??= { ...signals })[g] = {};
  }
  return out ?? signals;
}

const GROUP_LIST = Object.keys(SIGNALS) as (keyof typeof SIGNALS)[];
const GROUPS: ReadonlySet<string> = new Set(Object.keys(SIGNALS));
const fieldKind = (group: string, field: string) => {
  const decl = (SIGNALS as Record<string, Record<string, { type: 'double' | 'bool' | 'string' }>>)[group]?.[field];
  if (decl) return decl.type;
  return group === 'velocity' && parseVelocityName(field) ? 'double' : null;
};

/**
 * CEL rules: type-checked by cel-js against the signal table, then compiled to JavaScript where the
 * expression stays inside the common subset (see transpile.ts), interpreted by cel-js otherwise.
 * `transpile: false` forces the interpreter (tests compare the two).
 */
export function celCompiler(opts: { transpile?: boolean } = {}): RuleCompiler {
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
      const fns = rules.map((rule) => {
        const parsed = env.parse(rule.when);
        return { rule, fn: (opts.transpile === false ? null : transpile(parsed.ast, GROUPS, fieldKind)) ?? parsed };
      });
      const defaults = defaultsFor(rules);
      return {
        rules,
        fired(signals) {
          const ctx = complete(signals, defaults);
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
