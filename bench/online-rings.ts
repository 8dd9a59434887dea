/**
 * How long an online ring detection stops the serving thread: N claims of a crowd in the last two
 * hours on a database file, then one online run in process (as before) and one on the detector
 * thread (what `serve` does now); for each, the run's duration and the longest gap between event-loop
 * turns while it ran (every claim waits at least that long).
 *
 *   npx tsx bench/online-rings.ts [--claims 50000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compose } from '../src/app/compose.js';
import { loadConfig } from '../src/app/config.js';
import { createCampaign } from '../src/core/campaigns/use-cases.js';
import { claimCoupon, type ClaimRequest } from '../src/core/claims/claim-coupon.js';
import { detectOnline, ONLINE_RING_DEFAULTS, OnlineRings } from '../src/core/rings/online.js';
import { benchCampaignInput } from './fixtures/campaign.js';
import { claimBody, idempotencyKey } from './lib/claim-requests.js';
import { describeMachine, machine } from './lib/machine.js';
import { fmt, fmtInt, table } from './lib/stats.js';

const { values } = parseArgs({ options: { claims: { type: 'string', default: '50000' } } });
const n = Number(values.claims);
const dir = mkdtempSync(join(tmpdir(), 'couponguard-online-rings-'));
const s = compose(loadConfig({}, { dbPath: join(dir, 'cg.db'), synchronous: 'NORMAL' }));
try {
  await s.deps.store.warm?.();
  const c = await createCampaign(s.deps, benchCampaignInput(s.deps.clock.now()), 'bench');
  if (!c.ok) throw new Error(c.error.message);
  process.stderr.write(`recording ${fmtInt(n)} claims…\n`);
  for (let i = 0; i < n; i += 256)
    await Promise.all(
      Array.from({ length: Math.min(256, n - i) }, (_, k) => claimCoupon(s.deps, claimBody(c.value.id, 'o', i + k) as ClaimRequest, { scope: 'bench', idempotencyKey: idempotencyKey('o', i + k) })),
    );

  /** Runs `refresh` and measures the longest gap between 1 ms timer turns meanwhile. */
  const measure = async (rings: OnlineRings) => {
    let last = performance.now();
    let longest = 0;
    const timer = setInterval(() => {
      const t = performance.now();
      longest = Math.max(longest, t - last);
      last = t;
    }, 1);
    const t0 = performance.now();
    const state = await rings.refresh(Date.now());
    const ms = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 20));
    clearInterval(timer);
    return { ms, longest, accounts: state.accounts };
  };
  const here = await measure(new OnlineRings(s.deps.store, ONLINE_RING_DEFAULTS, () => performance.now(), (w, d) => detectOnline(s.deps.store, w, d)));
  const thread = await measure(s.onlineRings!);
  console.log(`bench:online-rings — ${new Date().toISOString()}\nmachine: ${describeMachine(machine())}\n${fmtInt(n)} claims in the window`);
  console.log(
    table(
      ['where the run detects', 'accounts in the window', 'run ms', 'longest event-loop gap ms'],
      [
        ['serving thread (in process)', fmtInt(here.accounts), fmt(here.ms, 0), fmt(here.longest, 0)],
        ['detector thread (serve, on a database file)', fmtInt(thread.accounts), fmt(thread.ms, 0), fmt(thread.longest, 0)],
      ],
    ),
  );
} finally {
  await s.close();
  rmSync(dir, { recursive: true, force: true });
}
