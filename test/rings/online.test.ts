/**
 * Online ring detection: the monitor's tick re-detects rings on the last hours of links and the
 * claim path sees them at once through the default policy (RING_MEMBER, RING_LINKED), without an
 * analyst's run and without replacing the analyst's current run; orders of ring members are held.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnlineRings } from '../../src/core/rings/online.js';
import { plantRing } from './fixture-ring.js';
import { campaign, claim, randomPhone, riskSystem, rng, type RiskSystem } from '../risk/risk-helpers.js';
import { farm, farmTopup, farmTraffic, honest } from './farm-traffic.js';

let s: RiskSystem;
const r = rng(23);
const topup = (accountId: string, couponId: string) => farmTopup(s, accountId, couponId);
let c: Awaited<ReturnType<typeof farmTraffic>>;

beforeAll(async () => {
  s = await riskSystem();
  c = await farmTraffic(s);
}, 60_000);
afterAll(async () => s?.close());

describe('online ring detection', () => {
  it('before any run nothing is known about the farm', async () => {
    const res = await claim(s, { campaignId: c.id, channel: 'app', account: { id: 'early-late', deviceId: 'rack-7', phone: randomPhone(r), ip: '10.200.0.9' } });
    expect(res.reasons.map((x) => x.code)).not.toContain('RING_LINKED');
  });

  it("a monitor tick runs it; the analyst's current run is left alone", async () => {
    s.clock.advance(60_000);
    await s.monitor.tick();
    expect(s.onlineRings!.last?.rings).toBeGreaterThanOrEqual(1);
    expect(s.onlineRings!.last!.members).toBeGreaterThanOrEqual(20);
    expect(await s.deps.store.rings.currentRun()).toBeNull();
    // Nothing new since: the next tick does not run it again.
    const before = s.onlineRings!.last;
    s.clock.advance(60_000);
    await s.monitor.tick();
    expect(s.onlineRings!.last).toBe(before);
  });

  it('a member claiming elsewhere is held as a ring member, with the signal stored', async () => {
    const other = await campaign(s);
    const res = await claim(s, { campaignId: other.id, channel: 'app', account: farm(5) });
    expect(['hold', 'deny']).toContain(res.decision);
    expect(res.reasons.map((x) => x.code)).toContain('RING_MEMBER');
    expect((await s.deps.store.claims.get(res.claimId))!.signals['account.ring_member']).toBe(true);
  });

  it('a new account on a ring device, or inside its number run, is linked', async () => {
    const other = await campaign(s);
    const onRack = await claim(s, { campaignId: other.id, channel: 'app', account: { id: 'late-farm', deviceId: 'rack-2', phone: randomPhone(r), ip: '10.200.0.1' } });
    expect(onRack.reasons.map((x) => x.code)).toContain('RING_LINKED');
    const inRun = await claim(s, { campaignId: other.id, channel: 'app', account: { id: 'late-sim', phone: '17055511013', deviceId: 'fresh-device', ip: '10.200.0.2' } });
    expect(inRun.reasons.map((x) => x.code)).toContain('RING_LINKED');
  });

  it('honest accounts are left alone', async () => {
    const other = await campaign(s);
    const h = await claim(s, { campaignId: other.id, channel: 'app', account: honest(900) });
    expect(h.decision).toBe('allow');
    expect((await s.deps.store.claims.get(h.claimId))!.signals['account.ring_linked']).toBe(false);
  });

  it("a ring member's order is held before fulfilment (stored run)", async () => {
    const other = await campaign(s);
    const h = await claim(s, { campaignId: other.id, channel: 'app', account: honest(901) });
    expect(h.decision).toBe('allow');
    await plantRing(s.deps.store, s.clock.now(), ['h-901']);
    const o = await topup('h-901', h.couponId!);
    expect(o.status).toBe('held');
    expect(o.reasons.map((x) => x.code)).toContain('RING_MEMBER_ORDER');
  });

  it('is rationed: no run before its interval, nor before its share of wall time has passed', async () => {
    let wall = 0;
    const online = new OnlineRings(s.deps.store, { everyMs: 30_000, windowMs: 3_600_000, maxBusyShare: 0.1 }, () => wall);
    const now = s.clock.now();
    const first = await online.maybeRefresh(now);
    expect(first).not.toBeNull();
    // The run "took" 0 ms of wall time here; advance the wall by hand to test the ration.
    expect(await online.maybeRefresh(now + 10_000)).toBeNull(); // interval
    await claim(s, { campaignId: c.id, channel: 'app', account: honest(950) });
    wall = 0;
    const online2 = new OnlineRings(s.deps.store, { everyMs: 1, windowMs: 3_600_000, maxBusyShare: 0.1 }, () => (wall += 50));
    expect(await online2.maybeRefresh(now)).not.toBeNull(); // took 50 ms of "wall"
    await claim(s, { campaignId: c.id, channel: 'app', account: honest(951) });
    expect(await online2.maybeRefresh(now + 1_000)).toBeNull(); // 450 ms of wall must pass first
  });
});
