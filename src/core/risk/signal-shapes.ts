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
 * entity, any other signal only when it was computed (not undefined). Which refs are present is a
 * bit pattern; each pattern gets its own object literal, made the first time it is seen (a policy
 * sees a handful: claims with or without a device, a code…), so a decision allocates one object
 * of its final size instead of growing one property by property.
 */
export function storedBuilder(refs: readonly StoredRef[]): (s: SignalValues, keys: VelocityKeys, v: readonly number[]) => Record<string, SignalValue> {
  const value = (r: StoredRef) => ('velocity' in r ? `v[${r.velocity}]` : `s[${lit(r.group)}]?.[${lit(r.name)}]`);
  const present = (r: StoredRef) => ('velocity' in r ? `k[${lit(r.entity)}] != null` : `${value(r)} !== undefined`);
  type Literal = (s: SignalValues, v: readonly number[]) => Record<string, SignalValue>;
  // Numbers hold 52 bits exactly; past that (a policy reading more signals), a bigint pattern.
  const wide = refs.length > 52;
  const has = (mask: number | bigint, i: number) => (wide ? ((mask as bigint) >> BigInt(i)) & 1n : Math.floor((mask as number) / 2 ** i) % 2) == 1;
  const byMask = new Map<number | bigint, Literal>();
  const build = (mask: number | bigint, s: SignalValues, v: readonly number[]) => {
    let f = byMask.get(mask);
    if (!f) {
      const props = refs.filter((_, i) => has(mask, i)).map((r) => `${lit(r.ref)}: ${value(r)}`);
      byMask.set(mask, (f = new Function('s', 'v', `return { ${props.join(', ')} };`) as Literal));
    }
    return f(s, v);
  };
  const bits = refs.map((r, i) => `if (${present(r)}) m += ${wide ? `${1n << BigInt(i)}n` : 2 ** i};`);
  return new Function('build', `return (s, k, v) => { let m = ${wide ? '0n' : '0'}; ${bits.join(' ')} return build(m, s, v); };`)(build) as (
    s: SignalValues,
    keys: VelocityKeys,
    v: readonly number[],
  ) => Record<string, SignalValue>;
}
