/**
 * Property tests (fast-check) of the limits and the pricing, against the real SQLite store:
 * - random claim sequences, run concurrently in random batches with pause/resume mixed in, never
 *   exceed the budget (count and money), the per-account, per-identity, per-phone and per-code
 *   limits, and the usage counters always equal the sum over the granted coupons;
 * - run one at a time, every decision is exactly what a small model of the rules predicts, so the
 *   limits do not hold by refusing too much either;
 * - orders never get more discount than the eligible total, the cap or the face value, and
 *   threshold coupons are refused below their threshold.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/node/clock.js';
import { compose, type Composed } from '../src/app/compose.js';
import { loadConfig } from '../src/app/config.js';
import type { Campaign } from '../src/core/campaigns/campaign.js';
import { changeCampaignState, createCampaign } from '../src/core/campaigns/use-cases.js';
import {
  computeDiscount,
  faceValue,
  ORDER_CATEGORIES,
  type Discount,
  type OrderCategory,
} from '../src/core/campaigns/template.js';
import { claimCoupon, type ClaimRequest } from '../src/core/claims/claim-coupon.js';
import { passThroughPolicy, type Decision, type Policy } from '../src/core/claims/policy.js';
import { codeText, issueCodeBatch, revokeCodeBatch } from '../src/core/codes/use-cases.js';
import { priceOrder, type OrderItem } from '../src/core/orders/order.js';
import { placeOrder } from '../src/core/orders/use-cases.js';
import type { AccountId, BatchId, CampaignId, ClaimId, CouponId } from '../src/core/shared/ids.js';
import type { Channel } from '../src/core/shared/channels.js';
import { campaignInput, T0 } from './helpers.js';
import { dbOf, expectLedgerConsistent, identityOf, phoneOf } from './load-helpers.js';

const open = (policy: Policy = passThroughPolicy): Composed =>
  compose(loadConfig({}, { dbPath: ':memory:', synchronous: 'NORMAL' }), {
    clock: new ManualClock(T0),
    policy,
  });

// ---------------------------------------------------------------------------------------------
// Generators

const discountArb: fc.Arbitrary<Discount> = fc.oneof(
  fc.record({ kind: fc.constant('fixed' as const), amountFen: fc.integer({ min: 1, max: 20_000 }) }),
  fc
    .record({ amountFen: fc.integer({ min: 1, max: 20_000 }), extra: fc.integer({ min: 0, max: 50_000 }) })
    .map(({ amountFen, extra }) => ({
      kind: 'threshold' as const,
      thresholdFen: amountFen + extra,
      amountFen,
    })),
  fc.record(
    {
      kind: fc.constant('percent' as const),
      percent: fc.integer({ min: 1, max: 99 }),
      capFen: fc.integer({ min: 1, max: 20_000 }),
      thresholdFen: fc.integer({ min: 0, max: 50_000 }),
    },
    { requiredKeys: ['kind', 'percent', 'capFen'] },
  ),
);

/** What the risk policy says about each account of the pool: mostly allow. */
const verdictArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Decision>('allow') },
  { weight: 1, arbitrary: fc.constantFrom<Decision>('hold', 'challenge', 'deny') },
);

/** true with odds `yes` : `no`. */
const weighted = (yes: number, no: number) =>
  fc.oneof({ weight: yes, arbitrary: fc.constant(true) }, { weight: no, arbitrary: fc.constant(false) });

/** Mostly open channels; now and then the code-only channel or one the campaign does not allow. */
const channelArb: fc.Arbitrary<Channel> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom<Channel>('app', 'web') },
  { weight: 1, arbitrary: fc.constant<Channel>('offline_event') },
  { weight: 1, arbitrary: fc.constant<Channel>('api') },
);

const campaignArb = fc
  .record({
    discount: discountArb,
    count: fc.integer({ min: 1, max: 12 }),
    moneyUnits: fc.integer({ min: 1, max: 12 }),
    moneySlack: fc.nat(),
    perAccount: fc.integer({ min: 1, max: 3 }),
    perIdentity: fc.integer({ min: 1, max: 3 }),
    perPhone: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
    requireCode: weighted(1, 3),
    requireVerifiedIdentity: weighted(1, 4),
    codeLimits: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
    verdicts: fc.array(verdictArb, { minLength: 6, maxLength: 6 }),
  })
  .map((c) => {
    const face = faceValue(c.discount);
    return { ...c, moneyFen: face * c.moneyUnits + (c.moneySlack % face) };
  });
type CampaignSpec = typeof campaignArb extends fc.Arbitrary<infer T> ? T : never;

/** A claim from a small pool: accounts, phones and identities are shared across claims at random. */
const claimArb = fc.record({
  kind: fc.constant('claim' as const),
  account: fc.integer({ min: 0, max: 5 }),
  phone: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
  identity: fc.option(fc.record({ n: fc.integer({ min: 0, max: 3 }), verified: weighted(6, 1) }), {
    nil: null,
  }),
  code: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null, freq: 2 }),
  channel: channelArb,
});
const stepArb = fc.oneof(
  { weight: 24, arbitrary: claimArb },
  { weight: 2, arbitrary: fc.constant({ kind: 'pause' as const }) },
  { weight: 4, arbitrary: fc.constant({ kind: 'resume' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('revoke' as const), code: fc.integer({ min: 0, max: 2 }) }),
  },
);
type Step = typeof stepArb extends fc.Arbitrary<infer T> ? T : never;
type ClaimStep = Extract<Step, { kind: 'claim' }>;

// ---------------------------------------------------------------------------------------------
// Driving the real system

interface Run {
  s: Composed;
  campaign: Campaign;
  codes: string[];
  batches: BatchId[];
  codeLimits: number[];
  verdicts: Decision[];
}

/**
 * A risk policy (an implementation of the core's `Policy` port, as the risk engine will be) that
 * gives each account of the pool a fixed verdict, so that hold, challenge and deny decisions are
 * raced too: hold grants a locked coupon and consumes limits, challenge and deny consume nothing.
 */
const policyOf = (verdicts: readonly Decision[]): Policy => ({
  evaluateClaim: ({ account }) => {
    const action = verdicts[Number(account.id.slice('acct-'.length))] ?? 'allow';
    return {
      action,
      reasons: [{ code: `TEST_${action.toUpperCase()}`, message: action }],
      policyVersion: 'test@1',
      rules: [],
      signals: {},
    };
  },
  evaluateOrder: passThroughPolicy.evaluateOrder,
});

async function start(spec: CampaignSpec): Promise<Run> {
  const s = open(policyOf(spec.verdicts));
  const r = await createCampaign(
    s.deps,
    campaignInput({
      template: { discount: spec.discount },
      channels: ['app', 'web', 'offline_event'],
      requireCode: spec.requireCode,
      requireVerifiedIdentity: spec.requireVerifiedIdentity,
      budget: { count: spec.count, moneyFen: spec.moneyFen },
      limits: {
        perAccount: spec.perAccount,
        perIdentity: spec.perIdentity,
        ...(spec.perPhone ? { perPhone: spec.perPhone } : {}),
      },
    }),
    'test',
  );
  if (!r.ok) throw new Error(r.error.message);
  // One batch per code, so that revoking a batch revokes exactly one code.
  const codes: string[] = [];
  const batches: BatchId[] = [];
  for (const useLimit of spec.codeLimits) {
    const b = await issueCodeBatch(
      s.deps,
      { campaignId: r.value.id, event: 'e', count: 1, useLimit, expiresAt: T0 + 3_600_000 },
      'test',
    );
    if (!b.ok) throw new Error(b.error.message);
    const [code] = (await s.deps.store.codes.listCodes(b.value.id, { limit: 1 })).items;
    codes.push(codeText(s.deps, code!));
    batches.push(b.value.id);
  }
  return { s, campaign: r.value, codes, batches, codeLimits: spec.codeLimits, verdicts: spec.verdicts };
}

function request(run: Run, c: ClaimStep): ClaimRequest {
  const code = c.code === null ? undefined : run.codes[c.code % run.codes.length];
  return {
    campaignId: run.campaign.id,
    channel: c.channel,
    ...(code ? { code } : {}),
    account: {
      id: `acct-${c.account}`,
      ...(c.phone === null ? {} : { phone: phoneOf(c.phone) }),
      ...(c.identity === null
        ? {}
        : { identity: { number: identityOf(c.identity.n), verified: c.identity.verified } }),
    },
  };
}

let keySeq = 0;
async function perform(run: Run, step: Step) {
  const d = run.s.deps;
  if (step.kind === 'pause' || step.kind === 'resume') {
    await changeCampaignState(d, run.campaign.id, step.kind, 'test');
    return null;
  }
  if (step.kind === 'revoke') {
    await revokeCodeBatch(d, run.batches[step.code % run.batches.length]!, 'test');
    return null;
  }
  const r = await claimCoupon(d, request(run, step), { scope: 'prop', idempotencyKey: `k${keySeq++}` });
  if (!r.ok) throw new Error(`claim failed: ${r.error.code} ${r.error.message}`);
  return r.value;
}

/** Every limit, read back from the ledger tables. */
function expectWithinLimits(run: Run) {
  const db = dbOf(run.s);
  const c = run.campaign;
  const id = c.id;
  const l = expectLedgerConsistent(db, id);
  expect(l.grantedCount).toBeLessThanOrEqual(c.budget.count);
  expect(l.grantedFen).toBeLessThanOrEqual(c.budget.moneyFen);
  expect(l.maxPerAccount).toBeLessThanOrEqual(c.limits.perAccount);
  // A held claim's coupon is locked; an allowed claim's is not.
  const mismatched = db
    .prepare(
      `SELECT count(*) FROM coupons p JOIN claims c ON c.id = p.claim_id
       WHERE p.campaign_id = ? AND (c.decision = 'hold') != (p.status = 'locked')`,
    )
    .pluck()
    .get(id);
  expect(mismatched).toBe(0);
  const maxOf = (sql: string) =>
    (db.prepare(`SELECT coalesce(max(n), 0) FROM (${sql})`).pluck().get(id) as number) ?? 0;
  expect(
    maxOf(
      'SELECT count(*) AS n FROM claims WHERE campaign_id = ? AND coupon_id IS NOT NULL AND phone IS NOT NULL GROUP BY phone',
    ),
  ).toBeLessThanOrEqual(c.limits.perPhone ?? c.limits.perIdentity);
  // A grant counts against every identity its account was tied to when it was granted: the ones
  // the account's claims (in commit order, this one included) had carried by then.
  const perIdentity = db
    .prepare(
      `SELECT h, count(*) AS n FROM (
         SELECT DISTINCT g.id, l.identity_hash AS h FROM claims g
         JOIN claims l ON l.account_id = g.account_id AND l.identity_hash IS NOT NULL AND l.seq <= g.seq
         WHERE g.campaign_id = ? AND g.coupon_id IS NOT NULL)
       GROUP BY h`,
    )
    .all(id) as { h: string; n: number }[];
  for (const r of perIdentity) expect(r.n).toBeLessThanOrEqual(c.limits.perIdentity);
  for (const k of l.codeMismatches) expect(k.uses).toBeLessThanOrEqual(k.useLimit);
  return l;
}

// ---------------------------------------------------------------------------------------------
// The model for sequential runs

/** What the model expects of one claim: the decision, and the reasons it may give first. */
interface Expected {
  decision: Decision;
  /** For a deny: every reason that applies (the answer's first reason must be one of them). */
  why: string[];
}

class Model {
  paused = false;
  count = 0;
  fen = 0;
  accounts = new Map<string, number>();
  phones = new Map<string, number>();
  identities = new Map<string, number>();
  links = new Map<string, Set<string>>();
  codeUses = new Map<number, number>();
  revoked = new Set<number>();

  constructor(private readonly run: Run) {}

  step(s: Exclude<Step, ClaimStep>): void {
    if (s.kind === 'revoke') this.revoked.add(s.code % this.run.batches.length);
    else this.paused = s.kind === 'pause';
  }

  claim(c: ClaimStep): Expected {
    const camp = this.run.campaign;
    const acct = `acct-${c.account}`;
    const codeIdx = c.code === null ? null : c.code % this.run.codes.length;
    // Every recorded claim ties its identity to the account, whatever the decision.
    const linked = this.links.get(acct) ?? new Set<string>();
    if (c.identity) linked.add(`id${c.identity.n}`);
    this.links.set(acct, linked);

    // 1. The platform's own checks, before the policy.
    const hard: string[] = [];
    if (codeIdx === null && (c.channel === 'offline_event' || camp.requireCode)) hard.push('CODE_REQUIRED');
    if (!camp.channels.includes(c.channel)) hard.push('CHANNEL_NOT_ALLOWED');
    if (camp.requireVerifiedIdentity) {
      if (!c.identity) hard.push('IDENTITY_REQUIRED');
      else if (!c.identity.verified) hard.push('IDENTITY_NOT_VERIFIED');
    }
    if (this.paused) hard.push('CAMPAIGN_PAUSED');
    if (hard.length) return { decision: 'deny', why: hard };

    // 2. The policy: challenge and deny grant nothing and consume nothing.
    const verdict = this.run.verdicts[c.account] ?? 'allow';
    if (verdict === 'challenge' || verdict === 'deny')
      return { decision: verdict, why: [`TEST_${verdict.toUpperCase()}`] };

    // 3. The atomic checks of a grant (allow or hold).
    const why: string[] = [];
    if (codeIdx !== null && this.revoked.has(codeIdx)) why.push('CODE_REVOKED');
    if (codeIdx !== null && (this.codeUses.get(codeIdx) ?? 0) >= this.run.codeLimits[codeIdx]!)
      why.push('CODE_USED_UP');
    if ((this.accounts.get(acct) ?? 0) >= camp.limits.perAccount) why.push('ACCOUNT_LIMIT_REACHED');
    // Per identity: the grants of every account tied to it, whenever the tie was made.
    const identityGrants = (h: string) =>
      [...this.links].reduce((n, [a, set]) => n + (set.has(h) ? (this.accounts.get(a) ?? 0) : 0), 0);
    if ([...linked].some((h) => identityGrants(h) >= camp.limits.perIdentity)) why.push('IDENTITY_LIMIT_REACHED');
    const phone = c.phone === null ? null : `p${c.phone}`;
    if (phone && (this.phones.get(phone) ?? 0) >= (camp.limits.perPhone ?? camp.limits.perIdentity))
      why.push('PHONE_LIMIT_REACHED');
    const face = faceValue(camp.template.discount);
    if (this.count + 1 > camp.budget.count) why.push('BUDGET_COUNT_EXHAUSTED');
    if (this.fen + face > camp.budget.moneyFen) why.push('BUDGET_MONEY_EXHAUSTED');
    if (why.length) return { decision: 'deny', why };

    const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
    bump(this.accounts, acct);
    for (const h of linked) bump(this.identities, h);
    if (phone) bump(this.phones, phone);
    if (codeIdx !== null) this.codeUses.set(codeIdx, (this.codeUses.get(codeIdx) ?? 0) + 1);
    this.count++;
    this.fen += face;
    return { decision: verdict, why: [] };
  }
}

// ---------------------------------------------------------------------------------------------

describe('claims never exceed any limit', () => {
  it('random claims in random concurrent batches, with pause/resume, stay within every limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        campaignArb,
        fc.array(fc.array(stepArb, { minLength: 1, maxLength: 12, size: 'max' }), {
          minLength: 1,
          maxLength: 8,
          size: 'max',
        }),
        async (spec, batches) => {
          const run = await start(spec);
          try {
            for (const batch of batches) {
              await Promise.all(batch.map((step) => perform(run, step)));
              expectWithinLimits(run);
            }
          } finally {
            await run.s.close();
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('one at a time, every decision is the one the model of the rules predicts', async () => {
    await fc.assert(
      fc.asyncProperty(
        campaignArb,
        fc.array(stepArb, { minLength: 1, maxLength: 60, size: 'max' }),
        async (spec, steps) => {
          const run = await start(spec);
          const model = new Model(run);
          // Held coupons are locked, allowed ones available: checked against the model's grants.
          const granted = new Map<string, Decision>();
          try {
            for (const step of steps) {
              const answer = await perform(run, step);
              if (step.kind !== 'claim') {
                model.step(step);
                continue;
              }
              const want = model.claim(step);
              expect(answer?.decision).toBe(want.decision);
              if (want.why.length === 0) {
                expect(answer?.couponId).toMatch(/^cpn_/);
                granted.set(answer!.couponId!, want.decision);
              } else {
                expect(answer?.couponId).toBeUndefined();
                expect(want.why).toContain(answer?.reasons[0]?.code);
              }
            }
            const l = expectWithinLimits(run);
            for (const [id, decision] of granted)
              expect((await run.s.deps.store.coupons.get(id as CouponId))?.status).toBe(
                decision === 'hold' ? 'locked' : 'available',
              );
            expect({ count: l.grantedCount, fen: l.grantedFen }).toEqual({
              count: model.count,
              fen: model.fen,
            });
          } finally {
            await run.s.close();
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Orders

const itemArb = fc.record({
  category: fc.constantFrom(...ORDER_CATEGORIES),
  unitPriceFen: fc.integer({ min: 0, max: 100_000 }),
  quantity: fc.integer({ min: 1, max: 5 }),
});
const itemsArb = fc.array(itemArb, { minLength: 1, maxLength: 6 });
const categoriesArb = fc.option(fc.uniqueArray(fc.constantFrom(...ORDER_CATEGORIES), { minLength: 1 }), {
  nil: undefined,
});

const eligibleTotal = (
  items: readonly { category: OrderCategory; unitPriceFen: number; quantity: number }[],
  cats: readonly OrderCategory[] | undefined,
) =>
  items
    .filter((i) => !cats || cats.includes(i.category))
    .reduce((s, i) => s + i.unitPriceFen * i.quantity, 0);

const thresholdOf = (d: Discount): number =>
  d.kind === 'threshold' ? d.thresholdFen : d.kind === 'percent' ? (d.thresholdFen ?? 0) : 0;

function expectDiscountBounds(d: Discount, eligible: number, fen: number) {
  expect(Number.isSafeInteger(fen)).toBe(true);
  expect(fen).toBeGreaterThanOrEqual(0);
  expect(fen).toBeLessThanOrEqual(eligible);
  expect(fen).toBeLessThanOrEqual(faceValue(d));
  if (d.kind === 'percent') expect(fen).toBe(Math.min(Math.floor((eligible * d.percent) / 100), d.capFen));
  else expect(fen).toBe(Math.min(d.amountFen, eligible));
}

describe('orders never discount more than they may', () => {
  it('computeDiscount: ≤ eligible total, ≤ cap/face value, refused below the threshold', () => {
    fc.assert(
      fc.property(discountArb, fc.integer({ min: 0, max: 10_000_000_000 }), (d, eligible) => {
        const r = computeDiscount(d, eligible);
        if (eligible <= 0) expect(r).toEqual({ ok: false, reason: 'NO_ELIGIBLE_ITEMS' });
        else if (eligible < thresholdOf(d)) expect(r).toEqual({ ok: false, reason: 'THRESHOLD_NOT_MET' });
        else {
          expect(r.ok).toBe(true);
          if (r.ok) expectDiscountBounds(d, eligible, r.fen);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('priceOrder with several coupons: each within its own bounds, all together within the order total', () => {
    const couponsArb = fc.array(fc.record({ discount: discountArb, cats: categoriesArb }), {
      minLength: 1,
      maxLength: 4,
    });
    fc.assert(
      fc.property(itemsArb, couponsArb, (rawItems, specs) => {
        const items: OrderItem[] = rawItems.map((i, n) => ({ ...i, sku: `sku-${n}`, topupTarget: null }));
        const coupons = specs.map((sp, n) => {
          const campaign: Campaign = {
            ...campaignInput({
              template: { discount: sp.discount, ...(sp.cats ? { eligibleCategories: sp.cats } : {}) },
            }),
            id: `cmp_${n}` as CampaignId,
            state: 'active',
            createdAt: T0,
            updatedAt: T0,
          };
          const id = `cpn_${n}` as CouponId;
          const coupon = {
            id,
            campaignId: campaign.id,
            accountId: 'a' as AccountId,
            claimId: `clm_${n}` as ClaimId,
            faceValueFen: faceValue(sp.discount),
            status: 'available' as const,
            validFrom: T0 - 1,
            validTo: T0 + 1_000,
            grantedAt: T0 - 1,
            orderId: null,
            updatedAt: T0,
          };
          return { id, coupon, campaign };
        });
        const r = priceOrder('a' as AccountId, items, coupons, T0);
        const total = items.reduce((s, i) => s + i.unitPriceFen * i.quantity, 0);
        const refusal = specs
          .map((sp) => {
            const e = eligibleTotal(items, sp.cats);
            return e <= 0 ? 'NO_ELIGIBLE_ITEMS' : e < thresholdOf(sp.discount) ? 'THRESHOLD_NOT_MET' : null;
          })
          .find((x) => x !== null);
        if (refusal) {
          expect(r).toEqual({ ok: false, reason: expect.objectContaining({ code: refusal }) });
          return;
        }
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(r.totalFen).toBe(total);
        expect(r.discountFen).toBeLessThanOrEqual(total);
        expect(r.discountFen).toBe(r.applied.reduce((s, a) => s + a.discountFen, 0));
        r.applied.forEach((a, n) => {
          const sp = specs[n]!;
          expect(a.discountFen).toBeGreaterThanOrEqual(0);
          expect(a.discountFen).toBeLessThanOrEqual(eligibleTotal(items, sp.cats));
          expect(a.discountFen).toBeLessThanOrEqual(faceValue(sp.discount));
        });
      }),
      { numRuns: 1_000 },
    );
  });

  it('end to end: a claimed coupon on a random order discounts within bounds, or is refused below threshold and stays usable', async () => {
    await fc.assert(
      fc.asyncProperty(discountArb, categoriesArb, itemsArb, async (discount, cats, rawItems) => {
        const s = open();
        try {
          const camp = await createCampaign(
            s.deps,
            campaignInput({
              template: { discount, ...(cats ? { eligibleCategories: cats } : {}) },
              budget: { count: 10, moneyFen: faceValue(discount) * 10 },
            }),
            'test',
          );
          if (!camp.ok) throw new Error(camp.error.message);
          const claimed = await claimCoupon(
            s.deps,
            { campaignId: camp.value.id, channel: 'app', account: { id: 'buyer' } },
            { scope: 'prop', idempotencyKey: 'c' },
          );
          if (!claimed.ok || !claimed.value.couponId) throw new Error('no coupon');
          const couponId = claimed.value.couponId;
          const items = rawItems.map((i, n) => ({ ...i, sku: `sku-${n}` }));
          const r = await placeOrder(
            s.deps,
            { accountId: 'buyer', items, couponIds: [couponId] },
            { scope: 'prop', idempotencyKey: 'o' },
          );
          if (!r.ok) throw new Error(r.error.message);
          const o = r.value;
          const eligible = eligibleTotal(items, cats);
          const total = items.reduce((n, i) => n + i.unitPriceFen * i.quantity, 0);
          expect(o.totalFen).toBe(total);
          expect(o.payFen).toBe(total - o.discountFen);
          const coupon = await s.deps.store.coupons.get(couponId);
          if (eligible <= 0 || eligible < thresholdOf(discount)) {
            expect(o).toMatchObject({ status: 'rejected', discountFen: 0, coupons: [] });
            expect(o.reasons[0]?.code).toBe(eligible <= 0 ? 'NO_ELIGIBLE_ITEMS' : 'THRESHOLD_NOT_MET');
            expect(coupon?.status).toBe('available');
          } else {
            expect(o.status).toBe('placed');
            expectDiscountBounds(discount, eligible, o.discountFen);
            expect(o.coupons).toEqual([{ couponId, campaignId: camp.value.id, discountFen: o.discountFen }]);
            expect(coupon).toMatchObject({ status: 'redeemed', orderId: o.orderId });
          }
        } finally {
          await s.close();
        }
      }),
      { numRuns: 150 },
    );
  });
});
