import type { Composed } from '../../src/app/compose.js';
import type { ManualClock } from '../../src/adapters/node/clock.js';
import { claim, campaign, idNumber, randomPhone, rng } from './risk-helpers.js';

const HOUR = 3_600_000;

/** Festival users, a SIM farm, device sharers and account events, interleaved over two hours. */
export async function recordMixedRun(sys: Composed & { clock: ManualClock }) {
  const c1 = await campaign(sys);
  const c2 = await campaign(sys, { name: 'second', budget: { count: 150, moneyFen: 150 * 10_000 } });
  const r = rng(11);
  const decisions: string[] = [];
  for (let i = 0; i < 600; i++) {
    sys.clock.advance(Math.floor(r() * 12_000));
    const kind = r();
    const c = r() < 0.5 ? c1 : c2;
    if (kind < 0.1) {
      await sys.deps.store.accounts.recordEvent({ type: r() < 0.5 ? 'login' : 'purchase', accountId: `u-${Math.floor(r() * 300)}` as never, at: sys.clock.now(), phone: null, deviceId: null, ip: null, identityHash: null, identityVerified: false, amountFen: 5_000 });
      continue;
    }
    let account;
    if (kind < 0.4) {
      const n = Math.floor(r() * 200);
      account = { id: `farm-${i}`, createdAt: sys.clock.now() - HOUR, phone: `170012${String(3000 + n).padStart(5, '0')}`, deviceId: `farm-dev-${n % 9}`, ip: `203.0.113.${n % 50}`, identity: { number: idNumber(10_000 + i), verified: true } };
    } else {
      const u = Math.floor(r() * 300);
      account = { id: `u-${u}`, createdAt: sys.clock.now() - 300 * 24 * HOUR, phone: randomPhone(rng(u)), deviceId: r() < 0.05 ? 'shared-kiosk' : `dev-u-${u}`, ip: `${30 + (u % 150)}.${u % 200}.1.${u % 250}`, identity: { number: idNumber(50_000 + u), verified: true } };
    }
    decisions.push((await claim(sys, { campaignId: c.id, channel: 'app', account })).decision);
  }
  return decisions;
}

