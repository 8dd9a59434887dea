/**
 * On a database file, online ring detection runs on its own thread: the serving thread's event
 * loop keeps turning while a run is in progress (in process, a run over the window is one
 * synchronous computation: ~1 s at 50,000 claims, during which no claim is answered), and the
 * finding reaches the claim path exactly as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
