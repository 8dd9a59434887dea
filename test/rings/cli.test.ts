/** `couponguard rings detect|runs|list|show|export|classify` against a database file. */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { testSystem } from '../helpers.js';
import { runIncident, type Incident } from './incident-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'cg-rings-cli-'));
const db = join(dir, 'cg.db');
let inc: Incident;
let to: string;

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(['--db', db, ...argv], { io: { out: (t) => out.push(t), err: (t) => err.push(t) }, env: {} });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(async () => {
  const s = await testSystem({ dbPath: db });
  inc = await runIncident(s, { normal: 200, ring: 60, sweptIn: 80, seed: 8 });
  to = new Date(s.clock.now() + 1000).toISOString();
  await s.shutdown();
}, 60_000);

describe('couponguard rings', () => {
  it('detect finds the ring and says how', async () => {
    const r = await cli('rings', 'detect', '--from', new Date(inc.from).toISOString(), '--to', to);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^run rrun_\w+: 1 ring holding 60 of \d+ accounts/);
    expect(r.out).toMatch(/bar: score > [\d.]+ \(best block in a degree-preserving rewiring/);
  });

  it('runs, list and show describe it, with personal data masked', async () => {
    expect((await cli('rings', 'runs')).out).toMatch(/rrun_\w+\s+done/);
    const list = await cli('rings', 'list');
    const id = /^(ring_\w+)/.exec(list.out)![1]!;
    expect(list.out).toMatch(/60 accounts\s+score [\d.]+/);
    const show = await cli('rings', 'show', id);
    expect(show.code).toBe(0);
    expect(show.out).toMatch(/accounts\s+60/);
    expect(show.out).toMatch(/target\s+phone:188\*\*\*\*\d{4}/);
    expect(show.out).toContain(inc.special);
    const json = JSON.parse((await cli('--json', 'rings', 'show', id)).out);
    expect(json).toMatchObject({ id, size: 60 });
  });

  it('export writes every member to a private file, audited', async () => {
    const id = /^(ring_\w+)/.exec((await cli('rings', 'list')).out)![1]!;
    const out = join(dir, 'ring.csv');
    const r = await cli('rings', 'export', id, '--format', 'csv', '--out', out);
    expect(r.out).toBe(`wrote 60 members of ${id} to ${out}`);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(61);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[3]))).toEqual(inc.ring);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const audit = await cli('--json', 'audit', 'verify');
    expect(audit.code).toBe(0);
  });

  it('classify tells ring members from swept-in consumers', async () => {
    const r = await cli('rings', 'classify', '--campaign', inc.special, '--class', 'swept_in', '--limit', '3');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/60 ring_member, 0 ring_linked, 80 swept_in, 0 undetermined/);
    expect(r.out.split('\n')).toHaveLength(4);
    expect(r.out).toMatch(/swept_in\s+claimed with code .* used by 140 accounts; shares no identity/);
  });

  it('mistakes are one line and exit 1', async () => {
    const unknown = await cli('rings', 'show', 'ring_0000000000_1');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toBe('error: ring ring_0000000000_1 not found (NOT_FOUND)');
    const bad = await cli('rings', 'show', 'nope');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/not a ring id/);
    expect((await cli('rings', 'detect', '--min-accounts', '1')).code).toBe(1);
    expect((await cli('rings', 'classify', '--campaign', 'cmp_01ARZ3NDEKTSV4RRFFQ69G5FAV')).err).toMatch(/not found \(NOT_FOUND\)/);
  });
});
