/**
 * A campaign created minutes ago has no seasonal profile. Its expectation is its own first minutes,
 * shrunk toward a prior from comparable traffic (not its budget plan): an attack on a fresh,
 * over-budgeted campaign alerts within 60 s, on an established platform and on a fresh server;
 * an organic launch and an announced flash sale on a fresh campaign pause nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Campaign } from '../../src/core/campaigns/campaign.js';
import { expectedRate } from '../../src/core/monitor/baseline.js';
import { MinuteSeries } from '../../src/core/monitor/series.js';
import { seededRandom } from '../../src/core/shared/random.js';
import { poisson } from '../../src/sim/random.js';
import { campaignOf, claimOf, D0, DAY, Driver, HOUR, MIN, spread } from './traffic.js';

/** Share of the daily peak by hour of day (China). */
const SHAPE = [0.15, 0.08, 0.05, 0.04, 0.04, 0.06, 0.12, 0.25, 0.4, 0.5, 0.55, 0.6, 0.75, 0.65, 0.55, 0.55, 0.6, 0.65, 0.7, 0.85, 1, 0.95, 0.7, 0.35];
const shape = (t: number) => SHAPE[new Date(t + 8 * HOUR).getUTCHours()]!;
/** 10:00 on the third day: the platform has two days of history. */
const T = D0 + 2 * DAY + 10 * HOUR;

/** Six ordinary campaigns with two days of everyday traffic (3 grants/min each at the daily peak). */
function platform(r: () => number, until: number): { campaigns: Campaign[]; history: ReturnType<typeof claimOf>[] } {
  const campaigns = Array.from({ length: 6 }, (_, i) => campaignOf(`everyday-${i}`, { couponType: `everyday-${i % 3}` }));
  const history: ReturnType<typeof claimOf>[] = [];
  for (let m = D0; m < until; m += MIN)
    for (const c of campaigns) for (const at of spread(m, poisson(r, 3 * shape(m)))) history.push(claimOf(at, c, { channel: (['app', 'web', 'mini_program'] as const)[history.length % 3]! }));
  return { campaigns, history };
}

/** The new campaign as operators over-budget it: 10,000,000 coupons over 10 days (a plan of 694 a minute). */
const fresh = (id: string, over: Partial<Campaign> = {}) => campaignOf(id, { createdAt: T, startsAt: T, endsAt: T + 10 * DAY, ...over });

describe('a fresh, over-budgeted campaign under attack', () => {
  it('alerts within 60 s on an established platform, and says what it expected and why', () => {
    const r = seededRandom(11);
    const base = platform(r, T + HOUR);
    const c = fresh('fresh');
    const d = new Driver([...base.campaigns, c]);
    d.add(...base.history);
    const attack = T + 7 * MIN;
    for (let m = T; m < T + 20 * MIN; m += MIN) {
      for (const at of spread(m, poisson(r, 1.5))) d.add(claimOf(at, c));
      if (m >= attack) for (const at of spread(m, 40)) d.add(claimOf(at, c));
    }
    d.run(T - 10 * MIN, T + 20 * MIN);
    const first = d.findings.find((f) => f.scope.value === 'fresh' && f.rule === 'spike');
    expect(first, 'a spike on the fresh campaign').toBeDefined();
    expect(first!.at - attack).toBeLessThanOrEqual(60_000);
    // Against a cold start it warns first, and turns critical once it is beyond any launch's noise.
    const critical = d.firstAt((f) => f.scope.value === 'fresh' && f.rule === 'spike' && f.severity === 'critical');
    expect(critical! - attack).toBeLessThanOrEqual(90_000);
    // The plan (694/min) was not the expectation: comparable campaigns were.
    expect(first!.evidence.basis).toMatch(/cold start/);
    expect(first!.evidence.basis).toMatch(/plan 694\.4\/min capped at .*other campaigns on the platform/);
    expect(first!.evidence.expectedPerMinute).toBeLessThan(10);
  });

  it('on a fresh server: the seed’s loophole created three minutes ago pauses its coupon type within 60 s', () => {
    const event = fresh('tv-event', { couponType: 'tv-100', special: true, requireCode: true, channels: ['offline_event'] });
    const loophole = fresh('tv-online', { couponType: 'tv-100', channels: ['app'] });
    const d = new Driver([event, loophole]);
    const attack = T + 3 * MIN;
    for (let m = attack; m < attack + 5 * MIN; m += MIN) for (const at of spread(m, 30)) d.add(claimOf(at, loophole));
    d.run(T, attack + 5 * MIN);
    expect(d.paused?.scope).toEqual({ kind: 'type', value: 'tv-100' });
    expect(d.paused!.at - attack).toBeLessThanOrEqual(60_000);
    expect(d.firstAt((f) => f.scope.value === 'tv-online')! - attack).toBeLessThanOrEqual(60_000);
  });
});

describe('legitimate traffic on a fresh campaign', () => {
  /** 0 → 100 grants a minute over 20 minutes, then 100 a minute for 40 minutes; ordinary accounts. */
  function launch(r: () => number, c: Campaign) {
    const out: ReturnType<typeof claimOf>[] = [];
    for (let i = 0; i < 60; i++) for (const at of spread(T + i * MIN, poisson(r, Math.min(100, 5 * i)))) out.push(claimOf(at, c));
    return out;
  }

  for (const where of ['an established platform', 'a fresh server'] as const)
    for (const seed of [1, 2, 3])
      it(`an organic launch on ${where} raises nothing critical and pauses nothing, even opted in to auto-pause (seed ${seed})`, () => {
        const r = seededRandom(seed);
        const base = where === 'a fresh server' ? { campaigns: [], history: [] } : platform(r, T + HOUR);
        const c = fresh('launch', { couponType: 'launch', monitor: { autoPause: true } });
        const d = new Driver([...base.campaigns, c]);
        d.add(...base.history, ...launch(r, c));
        d.run(T - 5 * MIN, T + 60 * MIN);
        expect(d.seen('critical')).toEqual([]);
        expect(d.paused).toBeNull();
      });

  it('an announced flash sale on a campaign created ten minutes before pauses nothing', () => {
    const r = seededRandom(5);
    const base = platform(r, T + HOUR);
    const sale = T + 10 * MIN;
    const c = fresh('flash', { couponType: 'flash', monitor: { autoPause: true, expectedSurges: [{ startsAt: sale, endsAt: sale + 20 * MIN, grantsPerMinute: 300 }] } });
    const d = new Driver([...base.campaigns, c]);
    d.add(...base.history);
    for (let m = T; m < T + 45 * MIN; m += MIN) {
      const inSale = m >= sale && m < sale + 20 * MIN;
      for (const at of spread(m, poisson(r, inSale ? 280 : 1))) d.add(claimOf(at, c));
    }
    d.run(T - 5 * MIN, T + 45 * MIN);
    expect(d.seen('critical')).toEqual([]);
    expect(d.paused).toBeNull();
  });
});

describe('the expectation (property)', () => {
  it('never falls below an announced surge, whatever the history, prior and level', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -3000, max: 0 }), fc.integer({ min: 1, max: 50 })), { maxLength: 60 }),
        fc.double({ min: 0, max: 1000, noNaN: true }),
        fc.double({ min: 0, max: 1000, noNaN: true }),
        fc.double({ min: 0.2, max: 20, noNaN: true }),
        fc.boolean(),
        fc.integer({ min: -3000, max: 0 }),
        (points, prior, announced, level, learns, start) => {
          const series = new MinuteSeries();
          const now = 5_000_000;
          for (const [dm, k] of points) series.add('campaign:x', (now + dm) * MIN, 'grants', k);
          const rate = expectedRate({ series, key: 'campaign:x', minute: now, level, prior: { rate: prior, basis: 'test', learns }, announced, historyStart: now + start });
          expect(rate).toBeGreaterThanOrEqual(announced);
          expect(Number.isFinite(rate)).toBe(true);
        },
      ),
    );
  });
});

describe('through the runtime, on a fresh server', () => {
  it('a warning that grows critical opens its own alert, and the breaker pauses an opted-in campaign', async () => {
    const { ManualClock } = await import('../../src/adapters/node/clock.js');
    const { compose } = await import('../../src/app/compose.js');
    const { loadConfig } = await import('../../src/app/config.js');
    const { createCampaign } = await import('../../src/core/campaigns/use-cases.js');
    const { claimCoupon } = await import('../../src/core/claims/claim-coupon.js');
    const { campaignInput, uniqueResidentId } = await import('../helpers.js');
    const clock = new ManualClock(T);
    const sys = compose(loadConfig({}, { dbPath: ':memory:', synchronous: 'NORMAL' }), { clock, risk: false, monitor: { tickMs: 0 } });
    try {
      const made = await createCampaign(sys.deps, campaignInput({ startsAt: T, endsAt: T + 10 * DAY, budget: { count: 10_000_000, moneyFen: 10_000_000 * 10_000 }, monitor: { autoPause: true } }), 'op');
      if (!made.ok) throw new Error(made.error.message);
      const attack = T + 3 * MIN;
      let i = 0;
      for (let t = attack; t < attack + 3 * MIN; t += 1_000) {
        clock.set(t);
        await claimCoupon(sys.deps, { campaignId: made.value.id, channel: 'app', account: { id: `ring-${i}`, identity: { number: uniqueResidentId(900_000 + i), verified: true } } }, { scope: 't', idempotencyKey: `k${i++}` });
        if (t % 10_000 === 0) await sys.monitor.tick();
      }
      const alerts = (await sys.deps.store.monitoring.listAlerts({ limit: 100 })).items.filter((a) => a.rule === 'spike' && a.scopeKind === 'campaign');
      const warning = alerts.find((a) => a.severity === 'warning');
      const critical = alerts.find((a) => a.severity === 'critical');
      expect(warning!.firstAt - attack).toBeLessThanOrEqual(60_000);
      expect(critical!.firstAt - attack).toBeLessThanOrEqual(90_000);
      expect(critical!.action).toBe(`paused campaign ${made.value.id}`);
      expect((await sys.deps.store.campaigns.get(made.value.id))!.state).toBe('paused');
    } finally {
      await sys.close();
    }
  });
});
