/**
 * The incident CLI end to end on a SQLite file: open with lists from CSV files, freeze with a job,
 * show, trace (masked unless --clear), report with an HTML page, export, verify, make-goods, jobs.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/node/clock.js';
import { compose, type Composed } from '../../src/app/compose.js';
import { loadConfig } from '../../src/app/config.js';
import { run } from '../../src/cli/main.js';
import { campaignInput, HOUR, T0 } from '../helpers.js';
import { createCampaign } from '../../src/core/campaigns/use-cases.js';
import { SECRETS_ENV } from '../load-helpers.js';
import { buildWorld, type World } from './world.js';

let dir: string;
let db: string;
let w: World;
/** A campaign open by the wall clock (the CLI runs on it), for the make-good. */
let redPackets = '';
const env = { ...SECRETS_ENV };

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(['--db', db, ...argv], { io: { out: (t) => out.push(t), err: (t) => err.push(t) }, env });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
async function json<T>(...argv: string[]): Promise<T> {
  const r = await cli('--json', ...argv);
  expect(r.code, r.err || r.out).toBe(0);
  return JSON.parse(r.out) as T;
}
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cg-incident-cli-'));
  db = join(dir, 'cg.db');
  const s: Composed = compose(loadConfig(env, { dbPath: db, synchronous: 'NORMAL' }), { clock: new ManualClock(T0), risk: false });
  w = await buildWorld(s);
  const now = Date.now();
  const c = await createCampaign(s.deps, campaignInput({ name: 'red packets ¥20', template: { discount: { kind: 'fixed', amountFen: 2_000 } }, startsAt: now - HOUR, endsAt: now + 48 * HOUR }), 'test');
  if (!c.ok) throw new Error(c.error.message);
  redPackets = c.value.id;
  await s.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('couponguard incident', () => {
  let id = '';

  it('refuses bad input with one line and exit code 1, changing nothing', async () => {
    const bad = await cli('incident', 'open', '--title', 'x', '--order', 'not-an-order');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/invalid scope value.*not-an-order.*VALIDATION_FAILED/);
    expect(await json<unknown[]>('incident', 'list')).toEqual([]);
    expect((await cli('incident', 'open', '--title', 'x')).err).toMatch(/at least one scope selector/);
    expect((await cli('incident', 'freeze', 'inc_nope')).err).toMatch(/not an incident id/);
  });

  it('opens with a scope and a swept-in list from CSV files, freezes with a job, shows the timeline', async () => {
    const swept = file('swept.csv', `account_id\n${w.swept.join('\n')}\n`);
    const inc = await json<{ id: string; leniency: { sweptInOrders: string } }>('incident', 'open', '--title', 'TV coupon theft', '--campaign', w.stolen.id, '--swept-in', swept);
    id = inc.id;
    expect(inc.leniency.sweptInOrders).toBe('keep');
    const frozen = await json<{ outcome: string; job: { counts: Record<string, number> } }>('incident', 'freeze', id);
    expect(frozen.outcome).toBe('done');
    expect(frozen.job.counts).toMatchObject({ frozen: 5, flagged: 3, spared: 4 });
    const shown = await cli('incident', 'show', id);
    expect(shown.out).toMatch(/orders +frozen 5, flagged 3, spared 4|orders +(\w+ \d+, ){2}\w+ \d+/);
    expect(shown.out).toContain('incident.freeze.done');
    const again = await json<{ outcome: string; job: { counts: Record<string, number> } }>('incident', 'freeze', id);
    expect(again.job.counts.frozen ?? 0).toBe(0);
  });

  it('traces an order with personal data masked, or in clear on request', async () => {
    const masked = await cli('incident', 'trace', '--order', w.ringOrders[4]!);
    expect(masked.code).toBe(0);
    expect(masked.out).toContain('event "TV recording"');
    expect(masked.out).toMatch(/phone 13\d\*{4}\d{4}/);
    expect(masked.out).toMatch(/tops up phone:138\*{4}\d{4}/);
    const clear = await cli('incident', 'trace', '--order', w.ringOrders[4]!, '--clear');
    expect(clear.out).toMatch(/phone 13\d{9}/);
    const agg = await cli('incident', 'trace', '--incident', id);
    expect(agg.out).toMatch(/per target:/);
    expect((await cli('incident', 'trace', '--order', w.ringOrders[4]!, '--account', w.ring[0]!)).code).toBe(1);
  });

  it('reports the loss, adding up, with an HTML page', async () => {
    const html = join(dir, 'loss.html');
    const r = await json<{ checks: Record<string, boolean>; granted: { count: number }; buckets: Record<string, { count: number }> }>('incident', 'report', id, '--html', html);
    expect(r.checks).toEqual({ grantedIsRedeemedPlusUnused: true, redeemedIsFulfilledFrozenCancelledPending: true });
    expect(r.buckets).toMatchObject({ fulfilled: { count: 3 }, frozen: { count: 5 }, pending: { count: 4 } });
    expect(readFileSync(html, 'utf8')).toContain('<svg');
    expect((await cli('incident', 'report', '--campaign', w.festival.id)).out).toMatch(/granted +11/);
  });

  it('exports a bundle that verifies, also against the live audit log', async () => {
    const out = join(dir, 'bundle');
    const e = await cli('incident', 'export', id, '--out', out);
    expect(e.code, e.err).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['accounts.csv', 'audit-proof.json', 'decisions.csv', 'incident.json', 'loss.json', 'manifest.json', 'orders.csv', 'scope.csv', 'timeline.json', 'traces.jsonl']);
    expect(statSync(join(out, 'orders.csv')).mode & 0o777).toBe(0o600);
    const v = await cli('incident', 'verify', out, '--live');
    expect(v).toMatchObject({ code: 0 });
    expect(v.out).toMatch(/^bundle intact: 8 files, \d+ audit entries, sealed at seq \d+/);
    expect(readFileSync(join(out, 'orders.csv'), 'utf8').split('\n')).toHaveLength(1 + 12 + 1);
    expect((await cli('incident', 'export', id, '--out', out)).err).toMatch(/not empty/);
  });

  it('runs a make-good twice: once per account, stopping at the budget', async () => {
    const accounts = file('sorry.csv', [...w.normal, ...w.normal.slice(0, 3)].join('\n'));
    const m = await json<{ id: string }>('makegood', 'create', '--name', 'sorry', '--campaign', redPackets, '--budget-fen', String(8 * 2_000), '--accounts', accounts);
    const first = await json<{ outcome: string; job: { counts: Record<string, number> } }>('makegood', 'run', m.id);
    expect(first.job.counts).toMatchObject({ issued: 8, stoppedAtBudget: 1 });
    const second = await json<{ job: { counts: Record<string, number> } }>('makegood', 'run', m.id);
    expect(second.job.counts.issued ?? 0).toBe(0);
    const shown = await json<{ issuedCount: number; recipients: Record<string, number> }>('makegood', 'show', m.id);
    // The list repeats three accounts: they are recipients once. 8 coupons fit the budget.
    expect(shown.issuedCount).toBe(8);
    expect(shown.recipients).toEqual({ issued: 8, pending: 2 });
    const list = await json<{ kind: string; status: string }[]>('jobs', 'list');
    expect(list.filter((j) => j.kind === 'makegood.issue')).toHaveLength(2);
  });
});
