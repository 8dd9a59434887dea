/**
 * Per-policy builders for the two records a decision makes with names known only at run time:
 * the `velocity` signal group and the flattened signals stored with the decision.
 *
 * Why generated code: V8 turns an object that gets more than about 16 properties through computed
 * keys into a hash table ("dictionary mode"), so building those records in a loop made every
 * decision build two hash tables and run its rules against one (a tenth of a decision with 50
 * rules). Code with the names written out builds objects of one hidden class whose properties the
 * rules read from fixed slots. Made once per policy version. Safe to generate: every name is a
 * signal reference, `group.name` of `[a-z0-9_]`, checked here again and embedded as a JSON string.
 */
import type { VelocityKeys } from '../../ports/counters.js';
import type { SignalValue, SignalValues } from './signals.js';

const REF = /^[a-z0-9_]+(\.[a-z0-9_]+)?$/;
const lit = (s: string) => {
  if (!REF.test(s)) throw new Error(`not a signal name: ${s}`);
  return JSON.stringify(s);
};

/** `values[i]` under `names[i]`, as one object literal. */
export function recordBuilder(names: readonly string[]): (values: readonly number[]) => Record<string, number> {
  const body = names.map((n, i) => `${lit(n)}: v[${i}]`).join(', ');
  return new Function('v', `return { ${body} };`) as (values: readonly number[]) => Record<string, number>;
}

/** One stored value: a velocity read (index into the snapshot, and the entity it needs a key for), or `group.name` of the signals. */
export type StoredRef = { readonly ref: string; readonly velocity: number; readonly entity: string } | { readonly ref: string; readonly group: string; readonly name: string };

/**
 * The stored signals: each ref in order, a velocity read only when the decision had a key for its
 * entity, any other signal only when it was computed (not undefined).
 */
export function storedBuilder(refs: readonly StoredRef[]): (s: SignalValues, keys: VelocityKeys, v: readonly number[]) => Record<string, SignalValue> {
  const lines = refs.map((r) =>
    'velocity' in r
      ? `if (k[${lit(r.entity)}] != null) o[${lit(r.ref)}] = v[${r.velocity}];`
      : `x = s[${lit(r.group)}]?.[${lit(r.name)}]; if (x !== undefined) o[${lit(r.ref)}] = x;`,
  );
  return new Function('s', 'k', 'v', `const o = {}; let x; ${lines.join(' ')} return o;`) as (s: SignalValues, keys: VelocityKeys, v: readonly number[]) => Record<string, SignalValue>;
}
