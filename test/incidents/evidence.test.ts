/**
 * Tamper evidence. An exported bundle passes `incident verify` untouched and fails it with one byte
 * changed, one row removed, rows reordered, a file added or missing, the manifest or the audit
 * proof edited. The audit log itself: `audit verify` catches an edited, deleted or reordered
 * entry, and with an anchor (`audit head`) an entry cut from the end; an evidence bundle checked
 * `--live` catches a rewritten log.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/node/clock.js';
import { compose } from '../../src/app/compose.js';
import { loadConfig } from '../../src/app/config.js';
import { incidentDeps, processJobService } from '../../src/app/job-handlers.js';
import { run } from '../../src/cli/main.js';
import { openIncident, startIncidentJob } from '../../src/core/incidents/use-cases.js';
import { T0 } from '../helpers.js';
import { SECRETS_ENV } from '../load-helpers.js';
import { buildWorld } from './world.js';

let dir: string;
let pristineDb: string;
let pristine: string;
const env = { ...SECRETS_ENV };

async function cli(db: string, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(['--db', db, ...argv], { io: { out: (t) => out.push(t), err: (t) => err.push(t) }, env });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cg-evidence-'));
  pristineDb = join(dir, 'cg.db');
  const s = compose(loadConfig(env, { dbPath: pristineDb, synchronous: 'NORMAL' }), { clock: new ManualClock(T0), risk: false });
  const w = await buildWorld(s);
  const inc = await openIncident(incidentDeps(s.deps), { title: 'evidence', scope: [{ kind: 'campaign', value: w.stolen.id }] }, 'op');
  if (!inc.ok) throw new Error(inc.error.message);
  const job = await startIncidentJob(s.deps, inc.value.id, 'freeze', {}, 'op');
  if (!job.ok) throw new Error(job.error.message);
  await processJobService(s.deps).run(job.value.job.id);
  await s.close();
  pristine = join(dir, 'pristine');
  const e = await cli(pristineDb, 'incident', 'export', inc.value.id, '--out', pristine, '--clear');
  expect(e.code, e.err).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A fresh copy of the pristine bundle, to break in one way. */
function copy(): string {
  const to = join(dir, `copy-${n++}`);
  cpSync(pristine, to, { recursive: true });
  return to;
}
const lines = (p: string) => readFileSync(p, 'utf8').split('\n');

describe('incident verify', () => {
  it('passes an untouched bundle, offline and against the live log', async () => {
    expect((await cli(pristineDb, 'incident', 'verify', pristine)).code).toBe(0);
    const live = await cli(pristineDb, 'incident', 'verify', pristine, '--live');
    expect(live.code).toBe(0);
    expect(live.out).toContain('matches the live audit log');
  });

  const cases: [string, (b: string) => void, RegExp][] = [
    [
      'one byte changed',
      (b) => {
        const p = join(b, 'orders.csv');
        const buf = readFileSync(p);
        buf[buf.length - 5] = buf[buf.length - 5]! ^ 1;
        writeFileSync(p, buf);
      },
      /orders\.csv: SHA-256 does not match/,
    ],
    [
      'one row removed',
      (b) => {
        const p = join(b, 'orders.csv');
        const l = lines(p);
        l.splice(3, 1);
        writeFileSync(p, l.join('\n'));
      },
      /orders\.csv: .*(rows added or removed)/,
    ],
    [
      'rows reordered',
      (b) => {
        const p = join(b, 'decisions.csv');
        const l = lines(p);
        [l[1], l[2]] = [l[2]!, l[1]!];
        writeFileSync(p, l.join('\n'));
      },
      /decisions\.csv: SHA-256 does not match/,
    ],
    ['a file removed', (b) => unlinkSync(join(b, 'traces.jsonl')), /traces\.jsonl: listed in the manifest but missing/],
    ['a file added', (b) => writeFileSync(join(b, 'extra.csv'), 'x\n'), /extra\.csv: not in the manifest/],
    [
      'the manifest rewritten to match a changed file',
      (b) => {
        const p = join(b, 'scope.csv');
        writeFileSync(p, 'kind,value\n');
        const m = JSON.parse(readFileSync(join(b, 'manifest.json'), 'utf8')) as { files: { name: string; sha256: string; bytes: number; lines: number }[] };
        const f = m.files.find((x) => x.name === 'scope.csv')!;
        Object.assign(f, { sha256: '0'.repeat(64), bytes: 11, lines: 1 });
        writeFileSync(join(b, 'manifest.json'), `${JSON.stringify(m, null, 2)}\n`);
      },
      /manifest\.json: its SHA-256 is not the one sealed in the audit log/,
    ],
    [
      'an audit entry in the proof edited',
      (b) => {
        const p = join(b, 'audit-proof.json');
        const proof = JSON.parse(readFileSync(p, 'utf8')) as { entries: { actor: string }[] };
        proof.entries[0]!.actor = 'someone else';
        writeFileSync(p, JSON.stringify(proof));
      },
      /audit entry \d+ \(incident\.open\): content does not match its hash/,
    ],
    [
      'an audit link removed from the proof',
      (b) => {
        const p = join(b, 'audit-proof.json');
        const proof = JSON.parse(readFileSync(p, 'utf8')) as { chain: unknown[] };
        proof.chain.splice(1, 1);
        writeFileSync(p, JSON.stringify(proof));
      },
      /audit chain: seq \d+ follows \d+/,
    ],
  ];
  for (const [what, breakIt, problem] of cases)
    it(`fails with ${what}`, async () => {
      const b = copy();
      breakIt(b);
      const r = await cli(pristineDb, 'incident', 'verify', b);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/^bundle BROKEN/);
      expect(r.out).toMatch(problem);
    });
});

describe('audit verify', () => {
  let db: string;
  let n2 = 0;
  beforeEach(() => {
    db = join(dir, `audit-${n2++}.db`);
    cpSync(pristineDb, db);
  });
  /** An attacker with write access to the file: the triggers stop honest mistakes, not them. */
  const raw = (f: (d: Database.Database) => void) => {
    const d = new Database(db);
    d.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
    f(d);
    d.close();
  };

  it('passes the untouched log and prints its head for anchoring', async () => {
    expect((await cli(db, 'audit', 'verify')).out).toMatch(/^audit chain intact: \d+ entries$/);
    const head = (await cli(db, 'audit', 'head')).out;
    expect(head).toMatch(/^\d+:[0-9a-f]{64}$/);
    expect((await cli(db, 'audit', 'verify', '--anchor', head)).out).toMatch(/1 anchor\(s\) match/);
  });

  it('catches an edited entry', async () => {
    raw((d) => d.prepare("UPDATE audit_log SET actor = 'nobody' WHERE seq = 3").run());
    expect(await cli(db, 'audit', 'verify')).toMatchObject({ code: 1, out: 'audit chain BROKEN at seq 3: entry hash does not match its content' });
  });

  it('catches a deleted entry', async () => {
    raw((d) => d.prepare('DELETE FROM audit_log WHERE seq = 4').run());
    expect(await cli(db, 'audit', 'verify')).toMatchObject({ code: 1, out: 'audit chain BROKEN at seq 5: expected seq 4' });
  });

  it('catches reordered entries', async () => {
    raw((d) => {
      const a = d.prepare('SELECT * FROM audit_log WHERE seq = 5').get() as Record<string, unknown>;
      const b = d.prepare('SELECT * FROM audit_log WHERE seq = 6').get() as Record<string, unknown>;
      const put = d.prepare('UPDATE audit_log SET at = @at, actor = @actor, action = @action, target = @target, details = @details, prev_hash = @prev_hash, hash = @hash WHERE seq = @seq');
      put.run({ ...b, seq: 5 });
      put.run({ ...a, seq: 6 });
    });
    const r = await cli(db, 'audit', 'verify');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^audit chain BROKEN at seq 5:/);
  });

  it('catches entries cut from the end, given an anchor; and the bundle checked --live catches it too', async () => {
    const head = (await cli(db, 'audit', 'head')).out;
    raw((d) => d.prepare('DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)').run());
    // The chain that is left is consistent in itself...
    expect((await cli(db, 'audit', 'verify')).code).toBe(0);
    // ...but not with the head recorded before.
    expect(await cli(db, 'audit', 'verify', '--anchor', head)).toMatchObject({ code: 1, out: `audit chain BROKEN at seq ${head.split(':')[0]}: entry missing (the log was cut short)` });
    const live = await cli(db, 'incident', 'verify', pristine, '--live');
    expect(live.code).toBe(1);
    expect(live.out).toMatch(/live audit log: entry \d+ is missing/);
  });
});
