/**
 * On a database file, ring detection runs on its own thread — the monitor's online runs and
 * analysts' runs over HTTP alike: the serving thread's event loop keeps turning while a run is in
 * progress (in process, a run is one synchronous computation: ~1 s at 50,000 claims in the window,
 * during which no claim is answered), and what it finds is what an in-process run finds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { createApiKey } from '../../src/core/keys.js';
import { detectRingRecords } from '../../src/core/rings/use-cases.js';
import type { RingRunId } from '../../src/core/rings/ring.js';
import { tempDb } from '../load-helpers.js';
import { campaign, claim, riskSystem, type RiskSystem } from '../risk/risk-helpers.js';
import { farm, farmTraffic } from './farm-traffic.js';

let s: RiskSystem;
let db: ReturnType<typeof tempDb>;

beforeAll(async () => {
  db = tempDb();
  s = await riskSystem(db.path);
  await farmTraffic(s);
}, 60_000);
afterAll(async () => {
  await s?.close();
  db?.cleanup();
});

/** Event-loop turns (setImmediate callbacks) that ran before `p` settled. */
async function turnsWhile<T>(p: Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0;
  let done = false;
  const spin = () => {
    if (done) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  const value = await p;
  done = true;
  return { value, turns };
}

describe('online ring detection on a database file', () => {
  it('runs on the detector thread while the serving thread keeps answering, and finds the farm', async () => {
    s.clock.advance(60_000);
    const { value: state, turns } = await turnsWhile(s.onlineRings!.refresh(s.clock.now()));
    expect(state.rings).toBeGreaterThanOrEqual(1);
    expect(state.members).toBeGreaterThanOrEqual(20);
    // In process the whole run completes within one turn (its reads and the detection are
    // synchronous); on the thread the serving loop turns while it waits for the finding.
    expect(turns).toBeGreaterThan(0);
  });

  it('the claim path sees the finding: a member claiming elsewhere is flagged as a ring member', async () => {
    const other = await campaign(s);
    const res = await claim(s, { campaignId: other.id, channel: 'app', account: farm(7) });
    expect(res.reasons.map((x) => x.code)).toContain('RING_MEMBER');
  });

  it('in memory (tests, the replay lab on its virtual clock) the run stays in process: no turn of the loop until it is done', async () => {
    const mem = await riskSystem();
    try {
      await farmTraffic(mem);
      mem.clock.advance(60_000);
      const { value: state, turns } = await turnsWhile(mem.onlineRings!.refresh(mem.clock.now()));
      expect(state.members).toBeGreaterThanOrEqual(20);
      expect(turns).toBe(0);
    } finally {
      await mem.close();
    }
  });

  it("an analyst's run over HTTP detects on the thread (progress on the serving thread), and stores what an in-process run finds", async () => {
    const app = await buildApp(s.deps, { ringRunDetect: s.ringDetector!.detectRun });
    try {
      const key = await createApiKey(s.deps, 'analyst', 'thread test', 'test');
      const from = new Date(s.clock.now() - 3 * 3_600_000).toISOString();
      const { value: res, turns } = await turnsWhile(
        app.inject({ method: 'POST', url: '/v1/rings/runs', headers: { authorization: `Bearer ${key.key}` }, payload: { from, wait: true } }),
      );
      expect(res.statusCode).toBe(201);
      expect(turns).toBeGreaterThan(0);
      const run = res.json<{ id: string; status: string; stats: { rings: number; ringAccounts: number } }>();
      expect(run.status).toBe('done');
      expect(run.stats.ringAccounts).toBeGreaterThanOrEqual(20);
      const here = await detectRingRecords(s.deps.store, { from: Date.parse(from), to: s.clock.now() + 1 }, run.id as RingRunId);
      expect(run.stats.rings).toBe(here.stats.rings);
      expect(run.stats.ringAccounts).toBe(here.stats.ringAccounts);
      const current = await s.deps.store.rings.currentRun();
      expect(current?.id).toBe(run.id);
    } finally {
      await app.close();
    }
  });
});
