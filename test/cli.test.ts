import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compose, type Composed } from '../src/app/compose.js';
import { loadConfig } from '../src/app/config.js';
import { run } from '../src/cli/main.js';
import { seedDemo } from '../src/cli/demo.js';
import { makeResidentId } from '../src/core/identity/resident-id.js';
import { buildApp } from '../src/http/app.js';

const HOUR = 3_600_000;

/** Runs the CLI in process and captures what it prints. The env is empty: only --db configures it. */
async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  // The CLI's own behaviour, without the risk engine scoring the tests' sequential accounts.
  const code = await run(argv, { io: { out: (t) => out.push(t), err: (t) => err.push(t) }, env: { COUPONGUARD_RISK: 'off' } });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function cliJson<T>(...argv: string[]): Promise<T> {
  const r = await cli('--json', ...argv);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as T;
}

const lockedCampaign = (now: number) => ({
  name: 'TV guests ¥100',
  template: { discount: { kind: 'fixed', amountFen: 10_000 } },
  special: true,
  channels: ['offline_event'],
  requireVerifiedIdentity: true,
  startsAt: new Date(now - HOUR).toISOString(),
  endsAt: new Date(now + 48 * HOUR).toISOString(),
  budget: { count: 100, moneyFen: 1_000_000 },
  limits: { perIdentity: 1, perAccount: 1 },
  state: 'active',
});

const guest = (i: number) => ({
  id: `guest-${i}`,
  phone: `1390000${String(1000 + i)}`,
  identity: { number: makeResidentId('110105', '19900101', i), verified: true },
});

interface CsvRow {
  codeId: string;
  batchId: string;
  campaignId: string;
  text: string;
  useLimit: string;
  expiresAt: string;
}

function readCsv(path: string): CsvRow[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trimEnd().split('\n');
  const cols = header!.split(',') as (keyof CsvRow)[];
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])) as unknown as CsvRow);
}

describe('couponguard CLI against a SQLite file', () => {
  let dir: string;
  let db: string;
  let sys: Composed;
  let app: FastifyInstance;
  let clientKey: string;
  let campaignId: string;
  let batchId: string;
  let rows: CsvRow[];

  const claim = (code: string, i: number, idempotencyKey: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/claims',
      headers: { authorization: `Bearer ${clientKey}`, 'idempotency-key': idempotencyKey },
      payload: { campaignId, channel: 'offline_event', code, account: guest(i) },
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cg-cli-'));
    db = join(dir, 'cg.db');
  });

  afterAll(async () => {
    await app?.close();
    await sys?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a key and a campaign from a JSON file', async () => {
    const key = await cliJson<{ key: string; role: string }>(
      '--db',
      db,
      'keys',
      'create',
      '--role',
      'client',
      '--name',
      'shop backend',
    );
    expect(key.role).toBe('client');
    expect(key.key).toMatch(/^cg_/);
    clientKey = key.key;

    const file = join(dir, 'campaign.json');
    writeFileSync(file, JSON.stringify(lockedCampaign(Date.now())));
    const c = await cliJson<{
      id: string;
      state: string;
      channelLocked: boolean;
      special: boolean;
      restoreOnCancel: boolean;
    }>('--db', db, 'campaign', 'create', '--file', file);
    expect(c).toMatchObject({ state: 'active', channelLocked: true, special: true, restoreOnCancel: true });
    campaignId = c.id;

    const list = await cli('--db', db, 'campaign', 'list');
    expect(list.out).toContain(campaignId);
    expect(list.out).toContain('[special]');
  });

  it('rejects a campaign file the HTTP API would reject, with one clear line and nothing stored', async () => {
    const cases: [unknown, RegExp][] = [
      [{ ...lockedCampaign(Date.now()), surprise: 1 }, /must NOT have additional properties 'surprise'/],
      [{ ...lockedCampaign(Date.now()), startsAt: 'tomorrow' }, /startsAt must match format "date-time"/],
      [
        { ...lockedCampaign(Date.now()), budget: { count: 1, moneyFen: 100 } },
        /budget.moneyFen is below one coupon face value/,
      ],
      [
        { ...lockedCampaign(Date.now()), channels: ['app'], requireCode: false },
        /special campaign must be locked/,
      ],
    ];
    for (const [body, message] of cases) {
      const file = join(dir, 'bad.json');
      writeFileSync(file, JSON.stringify(body));
      const r = await cli('--db', db, 'campaign', 'create', '--file', file);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    }
    writeFileSync(join(dir, 'broken.json'), '{"name": ');
    const broken = await cli('--db', db, 'campaign', 'create', '--file', join(dir, 'broken.json'));
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/is not valid JSON/);
    const all = await cliJson<unknown[]>('--db', db, 'campaign', 'list');
    expect(all).toHaveLength(1);
  });

  it('issues 50 codes with a QR PNG and SVG each and a CSV', async () => {
    const out = join(dir, 'codes');
    const expires = new Date(Date.now() + 24 * HOUR).toISOString();
    const r = await cliJson<{ batch: { id: string; count: number }; written: number; csv: string }>(
      '--db',
      db,
      'codes',
      'issue',
      '--campaign',
      campaignId,
      '--count',
      '50',
      '--event',
      'TV recording',
      '--expires',
      expires,
      '--out',
      out,
    );
    expect(r.batch.count).toBe(50);
    expect(r.written).toBe(50);
    batchId = r.batch.id;

    rows = readCsv(join(out, 'codes.csv'));
    expect(rows).toHaveLength(50);
    expect(new Set(rows.map((x) => x.codeId)).size).toBe(50);
    for (const row of rows) {
      expect(row).toMatchObject({ batchId, campaignId, useLimit: '1' });
      expect(row.text).toMatch(/^CG1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      expect(Date.parse(row.expiresAt)).toBe(Math.floor(Date.parse(expires) / 1000) * 1000);
      const png = readFileSync(join(out, `${row.codeId}.png`));
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(readFileSync(join(out, `${row.codeId}.svg`), 'utf8')).toMatch(
        /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<path/,
      );
    }
    expect(readdirSync(out)).toHaveLength(101);
    expect(statSync(join(out, 'codes.csv')).mode & 0o777).toBe(0o600);

    const list = await cli('--db', db, 'codes', 'list', '--campaign', campaignId);
    expect(list.out).toContain(batchId);
    expect(list.out).toContain('50 codes');

    // A second export into the same directory is refused before anything is issued.
    const again = await cli(
      '--db',
      db,
      'codes',
      'issue',
      '--campaign',
      campaignId,
      '--count',
      '5',
      '--event',
      'x',
      '--expires',
      expires,
      '--out',
      out,
    );
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/codes\.csv already exists/);
    expect(await cliJson<unknown[]>('--db', db, 'codes', 'list', '--campaign', campaignId)).toHaveLength(1);
  });

  it('a code from the CSV is granted exactly once through the HTTP app on the same database', async () => {
    sys = compose(loadConfig({ COUPONGUARD_RISK: 'off' }, { dbPath: db }));
    app = await buildApp(sys.deps);
    const text = rows[0]!.text;

    const first = await claim(text, 1, 'claim-1');
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ decision: 'allow' });
    expect(first.json().couponId).toMatch(/^cpn_/);

    const retry = await claim(text, 1, 'claim-1');
    expect(retry.json()).toEqual(first.json());

    const reuse = await claim(text, 2, 'claim-2');
    expect(reuse.json().decision).toBe('deny');
    expect(reuse.json().reasons.map((x: { code: string }) => x.code)).toContain('CODE_USED_UP');

    const shown = await cliJson<{ usage: { grantedCount: number; grantedFen: number } }>(
      '--db',
      db,
      'campaign',
      'show',
      campaignId,
    );
    expect(shown.usage).toEqual({ grantedCount: 1, grantedFen: 10_000 });
  });

  it('codes revoke kills every code of the batch', async () => {
    const r = await cli(
      '--db',
      db,
      'codes',
      'revoke',
      '--batch',
      batchId,
      '--note',
      'photo of the codes leaked',
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain('revoked');
    const denied = await claim(rows[1]!.text, 3, 'claim-3');
    expect(denied.json().decision).toBe('deny');
    expect(denied.json().reasons.map((x: { code: string }) => x.code)).toContain('CODE_REVOKED');
    expect(
      (await cliJson<{ usage: { grantedCount: number } }>('--db', db, 'campaign', 'show', campaignId)).usage
        .grantedCount,
    ).toBe(1);
  });

  it('codes export writes the same files again, warning when the batch is revoked', async () => {
    const out = join(dir, 'again');
    const r = await cli('--db', db, 'codes', 'export', '--batch', batchId, '--out', out);
    expect(r.code).toBe(0);
    expect(r.err).toContain(`warning: batch ${batchId} is revoked`);
    expect(readFileSync(join(out, 'codes.csv'), 'utf8')).toBe(
      readFileSync(join(dir, 'codes', 'codes.csv'), 'utf8'),
    );
    expect(readdirSync(out)).toHaveLength(101);
  });

  it('campaign state changes go through the use case and are audited as the CLI user', async () => {
    const paused = await cliJson<{ state: string }>(
      '--db',
      db,
      'campaign',
      'pause',
      campaignId,
      '--note',
      'incident',
    );
    expect(paused.state).toBe('paused');
    const bad = await cli('--db', db, 'campaign', 'activate', campaignId);
    expect(bad.code).toBe(1);
    expect(bad.err).toBe('error: cannot activate a campaign that is paused (INVALID_STATE)');
    expect((await cliJson<{ state: string }>('--db', db, 'campaign', 'resume', campaignId)).state).toBe(
      'active',
    );

    const entries = await sys.deps.store.audit.list({ limit: 100 });
    const actions = entries.map((e) => e.action);
    expect(actions).toEqual([
      'key.create',
      'campaign.create',
      'codes.issue',
      'codes.revoke',
      'campaign.pause',
      'campaign.resume',
    ]);
    for (const e of entries) expect(e.actor).toMatch(/^cli:.+/);
    expect(entries.find((e) => e.action === 'campaign.pause')?.details).toMatchObject({ note: 'incident' });
  });

  it('reports unknown ids and bad arguments as usage errors, without a stack', async () => {
    const missing = await cli('--db', db, 'campaign', 'show', 'cmp_01ARZ3NDEKTSV4RRFFQ69G5FAV');
    expect(missing).toMatchObject({
      code: 1,
      err: 'error: campaign cmp_01ARZ3NDEKTSV4RRFFQ69G5FAV not found (NOT_FOUND)',
    });
    const malformed = await cli('--db', db, 'codes', 'revoke', '--batch', 'nope');
    expect(malformed.code).toBe(1);
    expect(malformed.err).toMatch(/not a batch id/);
    const count = await cli(
      '--db',
      db,
      'codes',
      'issue',
      '--campaign',
      campaignId,
      '--count',
      '0',
      '--event',
      'x',
      '--expires',
      '2030-01-01',
      '--out',
      dir,
    );
    expect(count.code).toBe(1);
    expect(count.err).toMatch(/--count <n>.*must be an integer 1\.\./);
    const role = await cli('--db', db, 'keys', 'create', '--role', 'root', '--name', 'x');
    expect(role.code).toBe(1);
    expect(role.err).toMatch(/Allowed choices are client, operator/);
  });

  it('audit verify passes, then finds the first tampered entry', async () => {
    const okRun = await cli('--db', db, 'audit', 'verify');
    expect(okRun).toMatchObject({ code: 0, out: 'audit chain intact: 6 entries' });

    // An attacker with write access to the file: the triggers stop honest mistakes, not them.
    const raw = new Database(db);
    raw.exec('DROP TRIGGER audit_log_no_update');
    raw.prepare("UPDATE audit_log SET details = json_object('note', 'nothing to see') WHERE seq = 4").run();
    raw.close();

    const broken = await cli('--db', db, 'audit', 'verify');
    expect(broken.code).toBe(1);
    expect(broken.out).toBe('audit chain BROKEN at seq 4: entry hash does not match its content');
    const json = await cli('--db', db, '--json', 'audit', 'verify');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, seq: 4 });
  });
});

describe('serve --demo', () => {
  let dir: string;
  let child: ChildProcess | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cg-serve-'));
  });
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('seeds demo data only into an empty database', async () => {
    const s = compose(loadConfig({ COUPONGUARD_RISK: 'off' }, { dbPath: join(dir, 'seed.db') }));
    try {
      const info = await seedDemo(s, 'cli:test');
      expect(info).not.toBeNull();
      const campaigns = (await s.deps.store.campaigns.list({ limit: 100 })).items;
      expect(campaigns).toHaveLength(4);
      const special = campaigns.find((c) => c.id === info!.specialCampaignId)!;
      expect(special).toMatchObject({
        special: true,
        channels: ['offline_event'],
        requireVerifiedIdentity: true,
        limits: { perIdentity: 1 },
        template: { discount: { kind: 'fixed', amountFen: 10_000 } },
      });
      expect(await s.deps.store.codes.getBatch(info!.eventBatchId)).toMatchObject({
        count: 20,
        event: 'TV recording',
      });
      expect(await seedDemo(s, 'cli:test')).toBeNull();
      expect((await s.deps.store.campaigns.list({ limit: 100 })).items).toHaveLength(4);
    } finally {
      await s.close();
    }
  });

  it('listens, answers /health and grants a claim with a demo code, and stops on SIGTERM', async () => {
    const db = join(dir, 'demo.db');
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--demo', '--port', '0', '--db', db],
      {
        cwd: join(import.meta.dirname, '..'),
        env: { ...process.env, COUPONGUARD_DB: '', LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child = proc;
    let stdout = '';
    let stderr = '';
    proc.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`server did not start:\n${stdout}\n${stderr}`)),
        30_000,
      );
      proc.stdout!.on('data', (b: Buffer) => {
        stdout += b.toString();
        const m = /couponguard listening on (http:\/\/\S+)/.exec(stdout);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      proc.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${stdout}\n${stderr}`)));
    });

    const keysFile = join(dir, 'demo-keys.json');
    expect(statSync(keysFile).mode & 0o777).toBe(0o600);
    const info = JSON.parse(readFileSync(keysFile, 'utf8')) as {
      keys: { admin: string; operator: string; client: string };
      specialCampaignId: string;
      eventBatchId: string;
    };
    // The keys are printed once on the terminal, with a ready claim command.
    for (const k of Object.values(info.keys)) expect(stdout).toContain(k);
    expect(stdout).toMatch(/curl -s http:\/\/127\.0\.0\.1:\d+\/v1\/claims/);

    expect(await (await fetch(`${url}/health`)).json()).toEqual({ ok: true });

    const codes = await fetch(`${url}/v1/code-batches/${info.eventBatchId}/codes`, {
      headers: { authorization: `Bearer ${info.keys.operator}` },
    });
    const items = ((await codes.json()) as { items: { text: string }[] }).items;
    expect(items).toHaveLength(20);

    const claimed = await fetch(`${url}/v1/claims`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${info.keys.client}`,
        'content-type': 'application/json',
        'idempotency-key': 'demo-1',
      },
      body: JSON.stringify({
        campaignId: info.specialCampaignId,
        channel: 'offline_event',
        code: items[0]!.text,
        account: guest(7),
      }),
    });
    expect(claimed.status).toBe(200);
    expect(await claimed.json()).toMatchObject({ decision: 'allow' });

    // The same campaign cannot be claimed through the app: it is locked to the event.
    const viaApp = await fetch(`${url}/v1/claims`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${info.keys.client}`,
        'content-type': 'application/json',
        'idempotency-key': 'demo-2',
      },
      body: JSON.stringify({
        campaignId: info.specialCampaignId,
        channel: 'app',
        code: items[1]!.text,
        account: guest(8),
      }),
    });
    expect(((await viaApp.json()) as { reasons: { code: string }[] }).reasons.map((r) => r.code)).toContain(
      'CHANNEL_NOT_ALLOWED',
    );

    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('SIGTERM: shutting down');
  });
});
