import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { VelocityKeys } from '../../ports/counters.js';
import { recordBuilder, storedBuilder, type StoredRef } from './signal-shapes.js';
import type { SignalValue, SignalValues } from './signals.js';

/** The loop the generated code replaces. */
function naive(refs: readonly StoredRef[], s: SignalValues, k: VelocityKeys, v: readonly number[]): Record<string, SignalValue> {
  const out: Record<string, SignalValue> = {};
  for (const r of refs) {
    if ('velocity' in r) {
      if (k[r.entity as keyof VelocityKeys] != null) out[r.ref] = v[r.velocity]!;
    } else {
      const x = s[r.group as keyof SignalValues]?.[r.name];
      if (x !== undefined) out[r.ref] = x;
    }
  }
  return out;
}

const ENTITIES = ['account', 'device', 'ip', 'code'] as const;
const GROUPS = ['claim', 'account', 'order'] as const;

describe('signal shapes', () => {
  it('builds the velocity group as named', () => {
    expect(recordBuilder(['device_claims_1m', 'ip_accounts_10m'])([3, 4])).toEqual({ device_claims_1m: 3, ip_accounts_10m: 4 });
  });

  it('stores what the plain loop stores, in the same order, for any presence pattern (and past 52 refs)', () => {
    const refs = fc.integer({ min: 1, max: 70 }).map((n) =>
      Array.from({ length: n }, (_, i): StoredRef =>
        i % 3 === 0 ? { ref: `velocity.x${i}`, velocity: i, entity: ENTITIES[i % ENTITIES.length]! } : { ref: `${GROUPS[i % 3]}.f${i}`, group: GROUPS[i % 3]!, name: `f${i}` },
      ),
    );
    fc.assert(
      fc.property(refs, fc.array(fc.boolean(), { minLength: 80, maxLength: 80 }), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), (rs, defined, keyed) => {
        const s: SignalValues = { claim: {}, account: {} };
        rs.forEach((r, i) => {
          if (!('velocity' in r) && defined[i] && s[r.group as keyof SignalValues]) s[r.group as keyof SignalValues]![r.name] = i % 2 ? i : `v${i}`;
        });
        const k: VelocityKeys = Object.fromEntries(ENTITIES.map((e, i) => [e, keyed[i] ? `${e}-key` : null]));
        const v = Array.from({ length: 80 }, (_, i) => i * 10);
        const build = storedBuilder(rs);
        for (let round = 0; round < 2; round++) {
          const got = build(s, k, v);
          expect(Object.entries(got)).toEqual(Object.entries(naive(rs, s, k, v)));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a name that is not a signal reference', () => {
    expect(() => recordBuilder(['a"];process.exit(1);["'])).toThrow(/not a signal name/);
  });
});
