import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_FEN } from '../shared/money.js';
import { computeDiscount, faceValue, templateProblems, type Discount } from './template.js';

const fen = fc.integer({ min: 1, max: 1_000_000_00 });
const discount: fc.Arbitrary<Discount> = fc.oneof(
  fen.map((amountFen) => ({ kind: 'fixed' as const, amountFen })),
  fc.tuple(fen, fen).map(([a, b]) => ({
    kind: 'threshold' as const,
    thresholdFen: Math.max(a, b),
    amountFen: Math.min(a, b),
  })),
  fc
    .record({
      percent: fc.integer({ min: 1, max: 99 }),
      capFen: fen,
      thresholdFen: fc.option(fen, { nil: undefined }),
    })
    .map(({ percent, capFen, thresholdFen }) =>
      thresholdFen === undefined
        ? { kind: 'percent' as const, percent, capFen }
        : { kind: 'percent' as const, percent, capFen, thresholdFen },
    ),
);

describe('face value', () => {
  it('is the amount for fixed and threshold coupons and the cap for percent coupons', () => {
    expect(faceValue({ kind: 'fixed', amountFen: 10_000 })).toBe(10_000);
    expect(faceValue({ kind: 'threshold', thresholdFen: 20_000, amountFen: 3_000 })).toBe(3_000);
    expect(faceValue({ kind: 'percent', percent: 20, capFen: 5_000 })).toBe(5_000);
  });
});

describe('discount math', () => {
  it('fixed: the amount, never more than the eligible subtotal', () => {
    expect(computeDiscount({ kind: 'fixed', amountFen: 10_000 }, 25_000)).toEqual({ ok: true, fen: 10_000 });
    expect(computeDiscount({ kind: 'fixed', amountFen: 10_000 }, 3_000)).toEqual({ ok: true, fen: 3_000 });
  });

  it('threshold ("spend X save Y"): refused below X, Y at and above X', () => {
    const d: Discount = { kind: 'threshold', thresholdFen: 20_000, amountFen: 3_000 };
    expect(computeDiscount(d, 19_999)).toEqual({ ok: false, reason: 'THRESHOLD_NOT_MET' });
    expect(computeDiscount(d, 20_000)).toEqual({ ok: true, fen: 3_000 });
    expect(computeDiscount(d, 1_000_000)).toEqual({ ok: true, fen: 3_000 });
  });

  it('percent: rounded down to the fen, capped, optionally above a threshold', () => {
    expect(computeDiscount({ kind: 'percent', percent: 20, capFen: 5_000 }, 10_000)).toEqual({
      ok: true,
      fen: 2_000,
    });
    expect(computeDiscount({ kind: 'percent', percent: 20, capFen: 5_000 }, 999)).toEqual({
      ok: true,
      fen: 199,
    });
    expect(computeDiscount({ kind: 'percent', percent: 20, capFen: 5_000 }, 100_000)).toEqual({
      ok: true,
      fen: 5_000,
    });
    expect(
      computeDiscount({ kind: 'percent', percent: 15, capFen: 5_000, thresholdFen: 10_000 }, 9_999),
    ).toEqual({ ok: false, reason: 'THRESHOLD_NOT_MET' });
    expect(
      computeDiscount({ kind: 'percent', percent: 15, capFen: 5_000, thresholdFen: 10_000 }, 10_000),
    ).toEqual({ ok: true, fen: 1_500 });
  });

  it('nothing eligible means no discount, whatever the kind', () => {
    expect(computeDiscount({ kind: 'fixed', amountFen: 100 }, 0)).toEqual({
      ok: false,
      reason: 'NO_ELIGIBLE_ITEMS',
    });
    expect(computeDiscount({ kind: 'percent', percent: 50, capFen: 100 }, 0)).toEqual({
      ok: false,
      reason: 'NO_ELIGIBLE_ITEMS',
    });
  });

  it('is always a whole number of fen between 0 and both the subtotal and the face value', () => {
    fc.assert(
      fc.property(discount, fc.integer({ min: 1, max: MAX_FEN }), (d, eligible) => {
        const r = computeDiscount(d, eligible);
        if (!r.ok) {
          expect(r.reason).toBe('THRESHOLD_NOT_MET');
          expect(d.kind === 'fixed' ? undefined : d.thresholdFen).toBeGreaterThan(eligible);
          return;
        }
        expect(Number.isSafeInteger(r.fen)).toBe(true);
        expect(r.fen).toBeGreaterThanOrEqual(0);
        expect(r.fen).toBeLessThanOrEqual(eligible);
        expect(r.fen).toBeLessThanOrEqual(faceValue(d));
        if (d.kind === 'percent')
          expect(r.fen).toBe(Math.min(Math.floor((eligible * d.percent) / 100), d.capFen));
      }),
      { seed: 2019, numRuns: 5_000 },
    );
  });

  it('is monotone: a bigger subtotal never earns a smaller discount', () => {
    fc.assert(
      fc.property(
        discount,
        fc.integer({ min: 1, max: MAX_FEN - 1 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        (d, a, extra) => {
          const small = computeDiscount(d, a);
          const big = computeDiscount(d, Math.min(MAX_FEN, a + extra));
          if (small.ok) {
            expect(big.ok).toBe(true);
            if (big.ok) expect(big.fen).toBeGreaterThanOrEqual(small.fen);
          }
        },
      ),
      { seed: 119, numRuns: 2_000 },
    );
  });
});

describe('template problems', () => {
  it('accepts consistent templates', () => {
    expect(
      templateProblems({ discount: { kind: 'threshold', thresholdFen: 20_000, amountFen: 3_000 } }),
    ).toEqual([]);
    expect(
      templateProblems({
        discount: { kind: 'percent', percent: 99, capFen: 1 },
        eligibleCategories: ['physical'],
      }),
    ).toEqual([]);
  });

  it('rejects a threshold below its amount, a percent outside 1..99, a zero amount and an empty category list', () => {
    expect(
      templateProblems({ discount: { kind: 'threshold', thresholdFen: 100, amountFen: 200 } }),
    ).toHaveLength(1);
    expect(templateProblems({ discount: { kind: 'percent', percent: 0, capFen: 100 } })).toHaveLength(1);
    expect(templateProblems({ discount: { kind: 'percent', percent: 100, capFen: 100 } })).toHaveLength(1);
    expect(templateProblems({ discount: { kind: 'fixed', amountFen: 0 } })).toHaveLength(1);
    expect(
      templateProblems({ discount: { kind: 'fixed', amountFen: 1 }, eligibleCategories: [] }),
    ).toHaveLength(1);
  });
});
