/**
 * Invariant 3 (durable before acknowledged): a server process under continuous claim load is
 * killed with SIGKILL, twice; every grant it had answered must be in the file afterwards, the
 * ledger must add up, and the requests that were in flight, retried with their keys after a
 * restart, must be answered exactly once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/node/clock.js';
import { compose } from '../src/app/compose.js';
import { loadConfig } from '../src/app/config.js';
import { createApiKey } from '../src/core/keys.js';
import type { CampaignId } from '../src/core/shared/ids.js';
import { lockedCampaignInput, makeCampaign, T0 } from './helpers.js';
import {
  dbOf,
  expectLedgerConsistent,
  issueCodes,
  postJson,
  racer,
  runFixture,
  SECRETS_ENV,
  tempDb,
  wideAgent,
  type Fixture,
} from './load-helpers.js';

interface Sent {
  key: string;
  body: { campaignId: CampaignId; channel: string; code?: string; account: ReturnType<typeof racer> };
}
interface Answer {
  claimId: string;
  decision: string;
  couponId?: string;
  reasons: { code: string }[];
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startServer(dbPath: string): Promise<{ server: Fixture; port: number }> {
  const server = runFixture('claim-server.ts', [], {
    ...SECRETS_ENV,
    COUPONGUARD_DB: dbPath,
    CG_NOW: String(T0),
  });
  cleanups.push(() => {
    if (server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill('SIGKILL');
  });
  const line = await server.line(/^port \d+/);
  const [, port, sync] = /^port (\d+) synchronous (\d+)$/.exec(line)!;
  // 2 = FULL: the production default the test is about.
  expect(sync).toBe('2');
  return { server, port: Number(port) };
}

/**
 * Keeps `workers` requests in flight until told to stop; records every answer and every request
 * that got no answer (in flight when the server died).
 */
function load(port: number, apiKey: string, make: (n: number) => Sent, workers = 48) {
  const agent = wideAgent(workers);
  const answered: { sent: Sent; status: number; body: Answer }[] = [];
  const unanswered: Sent[] = [];
  let stop = false;
  let n = 0;
  const loops = Array.from({ length: workers }, async () => {
    while (!stop) {
      const sent = make(n++);
      try {
        const a = await postJson(
          agent,
          port,
          '/v1/claims',
          { authorization: `Bearer ${apiKey}`, 'idempotency-key': sent.key },
          sent.body,
        );
        answered.push({ sent, status: a.status, body: a.body as Answer });
      } catch {
        unanswered.push(sent);
      }
    }
  });
  return {
    answered,
    unanswered,
    grants: () => answered.filter((a) => a.status === 200 && a.body.decision === 'allow').length,
    stop: async () => {
      stop = true;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}

const until = async (cond: () => boolean, timeoutMs: number) => {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('load made no progress');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('SIGKILL under load', () => {
  it('every acknowledged grant survives two crashes; the ledger adds up; in-flight retries are answered once', async () => {
    const db = tempDb();
    cleanups.push(db.cleanup);
    const env = { ...SECRETS_ENV };
    const clock = new ManualClock(T0);

    // Two campaigns: an open one (account limit 1, some accounts come back) and a code-locked one
    // whose 300 codes allow 2 uses each (so codes run out under load).
    const setup = compose(loadConfig(env, { dbPath: db.path }), { clock });
    const open = await makeCampaign(setup, { budget: { count: 1_000_000, moneyFen: 10_000_000_000 } });
    const locked = await makeCampaign(
      setup,
      lockedCampaignInput({ budget: { count: 1_000_000, moneyFen: 10_000_000_000 } }),
    );
    const codes = await issueCodes(setup, locked.id, 300, 2);
    const apiKey = (await createApiKey(setup.deps, 'client', 'load', 'test')).key;
    await setup.close();

    const make =
      (round: number) =>
      (n: number): Sent => {
        const i = round * 1_000_000 + n;
        if (n % 3 === 0)
          return {
            key: `r${round}-${n}`,
            body: {
              campaignId: locked.id,
              channel: 'offline_event',
              code: codes[(n * 7) % codes.length]!,
              account: racer(i, 'b'),
            },
          };
        // Every tenth open claim comes back from an account that already claimed: a recorded denial.
        return {
          key: `r${round}-${n}`,
          body: {
            campaignId: open.id,
            channel: 'app',
            account: racer(n % 10 === 1 && n >= 3 ? i - 3 : i, 'a'),
          },
        };
      };

    const acknowledged: { sent: Sent; body: Answer }[] = [];
    let inFlight: Sent[] = [];
    for (const round of [0, 1]) {
      const { server, port } = await startServer(db.path);

      if (round === 1) {
        // After the crash, the shop retries what got no answer, with the same keys: each is
        // answered once (replayed if it had committed before the kill), never granted twice.
        const agent = wideAgent(32);
        const send = (sent: Sent) =>
          postJson(
            agent,
            port,
            '/v1/claims',
            { authorization: `Bearer ${apiKey}`, 'idempotency-key': sent.key },
            sent.body,
          );
        const retried = await Promise.all(inFlight.map(send));
        expect(retried.map((r) => r.status).filter((st) => st !== 200)).toEqual([]);
        expect((await Promise.all(inFlight.map(send))).map((r) => r.body)).toEqual(
          retried.map((r) => r.body),
        );
        // What was acknowledged before the crash replays exactly as it was answered.
        const before = acknowledged.slice(0, 200);
        expect((await Promise.all(before.map((a) => send(a.sent)))).map((r) => r.body)).toEqual(
          before.map((a) => a.body),
        );
        agent.destroy();
        retried.forEach((r, k) => acknowledged.push({ sent: inFlight[k]!, body: r.body as Answer }));
      }

      const l = load(port, apiKey, make(round));
      const target = 300 + Math.floor(Math.random() * 500);
      await until(() => l.grants() >= target, 30_000);
      server.proc.kill('SIGKILL');
      const exit = await server.exited;
      expect(exit.signal).toBe('SIGKILL');
      await l.stop();

      expect(l.answered.filter((a) => a.status !== 200)).toEqual([]);
      // The kill really landed mid-load.
      expect(l.unanswered.length).toBeGreaterThan(0);
      acknowledged.push(...l.answered.map((a) => ({ sent: a.sent, body: a.body })));
      inFlight = l.unanswered;

      // Reopen the file as a restarting server would, and check it against what was answered.
      const after = compose(loadConfig(env, { dbPath: db.path }), { clock });
      try {
        const conn = dbOf(after);
        expect(conn.pragma('integrity_check', { simple: true })).toBe('ok');
        const claimRow = conn.prepare('SELECT decision, coupon_id FROM claims WHERE id = ?');
        const couponRow = conn.prepare('SELECT claim_id, campaign_id, account_id FROM coupons WHERE id = ?');
        const lost: string[] = [];
        for (const a of acknowledged) {
          const c = claimRow.get(a.body.claimId) as
            { decision: string; coupon_id: string | null } | undefined;
          if (!c || c.decision !== a.body.decision || c.coupon_id !== (a.body.couponId ?? null))
            lost.push(`claim ${a.body.claimId}`);
          if (a.body.decision === 'allow') {
            const p = couponRow.get(a.body.couponId) as
              { claim_id: string; campaign_id: string; account_id: string } | undefined;
            if (
              !p ||
              p.claim_id !== a.body.claimId ||
              p.campaign_id !== a.sent.body.campaignId ||
              p.account_id !== a.sent.body.account.id
            )
              lost.push(`coupon ${a.body.couponId}`);
          }
        }
        expect(lost).toEqual([]);
        for (const id of [open.id, locked.id]) {
          const led = expectLedgerConsistent(conn, id);
          expect(led.maxPerAccount).toBeLessThanOrEqual(1);
        }
        // Every recorded claim has exactly one idempotency key, and every key one claim.
        const claims = conn.prepare('SELECT count(*) FROM claims').pluck().get();
        const keys = conn
          .prepare(
            "SELECT count(*) AS n, count(DISTINCT ref_id) AS refs FROM idempotency WHERE scope LIKE '%:claim'",
          )
          .get();
        expect(keys).toEqual({ n: claims, refs: claims });
        expect(acknowledged.filter((a) => a.body.decision === 'allow').length).toBeGreaterThanOrEqual(
          300 * (round + 1),
        );
      } finally {
        await after.close();
      }
    }
    // The load exercised denials as well as grants: accounts coming back, codes used up.
    const reasons = new Set(acknowledged.map((a) => a.body.reasons[0]?.code));
    expect(reasons).toContain('ACCOUNT_LIMIT_REACHED');
    expect(reasons).toContain('CODE_USED_UP');
  });
});
