/** The risk CLI: policy validate/publish/promote/shadow/backtest, lists and the review queue. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compose } from '../src/app/compose.js';
import { loadConfig } from '../src/app/config.js';
import { run } from '../src/cli/main.js';
import { claimCoupon } from '../src/core/claims/claim-coupon.js';
import { createCampaign } from '../src/core/campaigns/use-cases.js';
import { DEFAULT_POLICY } from '../src/core/risk/default-policy.js';
import { campaignInput, uniqueResidentId } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'cg-cli-risk-'));
const db = join(dir, 'cg.db');

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(['--db', db, ...argv], { io: { out: (t) => out.push(t), err: (t) => err.push(t) }, env: {} });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function file(name: string, body: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(body));
  return p;
}

describe('couponguard policy / lists / review', () => {
  it('lists the default policy a new store starts with', async () => {
    const r = await cli('policy', 'list');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/v1\s+live\s+\d+ rules/);
  });

  it('refuses a policy with an error, naming the rule and position, and leaves the live one', async () => {
    const bad = file('bad.json', { ...DEFAULT_POLICY, rules: [...DEFAULT_POLICY.rules, { id: 'oops', appliesTo: 'claim', when: 'phone.virtual &&', action: 'deny', score: 1, reason: 'OOPS', description: 'x' }] });
    const v = await cli('policy', 'validate', '--file', bad);
    expect(v.code).toBe(1);
    expect(v.out).toMatch(/rule oops: .* at line 1, column \d+/);
    const p = await cli('policy', 'publish', '--file', bad);
    expect(p.code).toBe(1);
    expect(p.err).toMatch(/policy refused: rule oops/);
    expect((await cli('policy', 'list')).out).not.toMatch(/v2/);
  });

  it('publishes a shadow, reports it against live traffic, backtests and promotes it', async () => {
    const strict = file('strict.json', { ...DEFAULT_POLICY, rules: [...DEFAULT_POLICY.rules, { id: 'no-web', appliesTo: 'claim', when: 'claim.channel == "web"', action: 'deny', score: 0, reason: 'NO_WEB', description: 'no web claims' }] });
    expect((await cli('policy', 'publish', '--file', strict, '--status', 'shadow', '--note', 'try it')).out).toMatch(/published v2 as shadow/);
    // Some traffic through the same store, with the engine on.
    const s = compose(loadConfig({}, { dbPath: db }));
    await s.risk!.ready;
    const c = await createCampaign(s.deps, campaignInput({ startsAt: Date.now() - 1000, endsAt: Date.now() + 86_400_000 }), 'test');
    if (!c.ok) throw new Error(c.error.message);
    for (let i = 0; i < 6; i++)
      await claimCoupon(
        s.deps,
        { campaignId: c.value.id, channel: i % 2 ? 'web' : 'app', account: { id: `cli-${i}`, phone: `1391234${String(5000 + i * 97)}`, identity: { number: uniqueResidentId(3000 + i), verified: true } } },
        { scope: 't', idempotencyKey: `k${i}` },
      );
    await s.close();
    const shadow = await cli('--json', 'policy', 'shadow');
    expect(JSON.parse(shadow.out)).toMatchObject({ shadowVersion: 'policy@2', claims: 6, agree: 3, disagree: 3 });
    const bt = await cli('--json', 'policy', 'backtest', '--policy-version', '2');
    expect(JSON.parse(bt.out)).toMatchObject({ policyVersion: 'policy@2', evaluated: 6, different: 3 });
    const same = await cli('--json', 'policy', 'backtest', '--policy-version', '1');
    expect(JSON.parse(same.out)).toMatchObject({ evaluated: 6, different: 0 });
    // The same backtest as a resumable job: same answer, and the job is on record.
    const job = await cli('--json', 'policy', 'backtest', '--policy-version', '2', '--job');
    expect(job.code).toBe(0);
    const jr = JSON.parse(job.out) as { job: string; evaluated: number; different: number; policyVersion: string };
    expect(jr).toMatchObject({ policyVersion: 'policy@2', evaluated: 6, different: 3 });
    expect(job.err).toContain(`couponguard jobs resume ${jr.job}`);
    expect((await cli('jobs', 'show', jr.job)).out).toMatch(/policy\.backtest[\s\S]*done/);
    expect((await cli('policy', 'promote', '2')).out).toBe('v2 is now live');
    expect((await cli('policy', 'list')).out).toMatch(/v1\s+retired[\s\S]*v2\s+live/);
  });

  it('adds and removes list entries, refusing bad values', async () => {
    const add = await cli('--json', 'lists', 'add', '--list', 'block', '--kind', 'segment', '--value', '1700123', '--reason', 'farm');
    expect(add.code).toBe(0);
    const id = (JSON.parse(add.out) as { id: number }).id;
    expect((await cli('lists', 'show')).out).toContain('block segment 1700123');
    expect((await cli('lists', 'add', '--list', 'block', '--kind', 'cidr', '--value', '1.2.3.4/99', '--reason', 'x')).code).toBe(1);
    expect((await cli('lists', 'remove', String(id))).out).toBe(`removed #${id}`);
    expect((await cli('lists', 'remove', String(id))).code).toBe(1);
  });

  it('shows the review queue and refuses to review what is not held', async () => {
    const q = await cli('review', 'queue');
    expect(q.out).toMatch(/held claims, \d+ held orders/);
    const r = await cli('review', 'order', 'ord_01HZX3M0000000000000000001', '--verdict', 'approve');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/NOT_FOUND/);
  });

  it('every action above is in a verifiable audit chain', async () => {
    const v = await cli('audit', 'verify');
    expect(v.code).toBe(0);
  });
});
