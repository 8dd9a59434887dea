/**
 * `couponguard replay --http URL`: the lab drives a real server (the composition root, buildApp,
 * listening on loopback, its monitor ticking every second) through the public API only, in real
 * time, on a tiny scenario of about 10 s. Locked configuration: the rings' forged codes are
 * refused, the guests' real codes work, and the report has the same shape as in process.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compose, type Composed } from '../../src/app/compose.js';
import { loadConfig } from '../../src/app/config.js';
import { createApiKey } from '../../src/core/keys.js';
import { buildApp } from '../../src/http/app.js';
import { run } from '../../src/cli/main.js';
import type { ReplayReport } from '../../src/sim/index.js';
import { expectHonest } from './honest.js';

const dir = mkdtempSync(join(tmpdir(), 'cg-replay-http-'));
let s: Composed;
let app: Awaited<ReturnType<typeof buildApp>>;
let url = '';
let admin = '';

beforeAll(async () => {
  s = compose(loadConfig({}, { dbPath: join(dir, 'server.db'), synchronous: 'NORMAL', logLevel: 'silent' }), {
    monitor: { log: () => {} },
  });
  await s.risk?.ready;
  app = await buildApp(s.deps, { risk: s.risk, monitor: s.monitor });
  await app.listen({ port: 0, host: '127.0.0.1' });
  s.monitor.start();
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  // What an operator of the server does once: an admin key (the lab creates the others through POST /v1/keys).
  admin = (await createApiKey(s.deps, 'admin', 'replay test', 'test')).key;
});

afterAll(async () => {
  await app.close();
  await s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** About 10 s of real time: 3 s before the attack (the guests claim then), 7 s after it. */
const tiny = {
  description: 'tiny pdd-2019 for CI over HTTP',
  configuration: 'locked',
  seed: 3,
  scale: 1,
  hoursAfterAttack: 7 / 3600,
  warmupMinutes: 0.05,
  shapes: {
    legitAccounts: 30,
    guests: 5,
    sweptIn: 10,
    rings: [
      { segment: '1709512', accounts: 15, perDevice: 5, ips: 2, targets: 2 },
      { segment: '1381234', accounts: 10, perDevice: 5, ips: 2, targets: 2 },
    ],
    peakPerMinute: 20,
    ringPerMinute: 240,
    sweptGrowth: 120,
    sweptCap: 120,
    eventBeforeAttackMinutes: 0.05,
    eventMinutes: 0.03,
    sweptAfterMinutes: 0.02,
  },
};

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) } };
}

describe('couponguard replay --http', () => {
  it('locked, over HTTP in real time: no grant to rings or without a valid code; the report is written', async () => {
    const file = join(dir, 'tiny.json');
    writeFileSync(file, JSON.stringify(tiny));
    const out = join(dir, 'out');
    const b = io();
    const code = await run(
      [
        'replay',
        'pdd-2019',
        '--http',
        url,
        '--admin-key',
        admin,
        '--config',
        file,
        '--out',
        out,
        '--quiet',
        '--json',
        // Start at once: a CI run should not wait for the next minute.
        '--no-align',
      ],
      { io: b.io, env: {} },
    );
    expect(code, b.err.join('\n')).toBe(0);
    const [r] = JSON.parse(b.out.join('\n')) as ReplayReport[];
    expect(r!.config).toBe('locked');
    expect(r!.driver).toMatchObject({ kind: 'http', clock: 'real' });
    // The attack happened through the API and was refused as forged.
    expect(r!.ledgers.ring.attempts).toBe(25);
    expect(r!.ledgers.ring.granted).toBe(0);
    expect(Object.keys(r!.ledgers.ring.reasons)).toEqual(['CODE_FORGED']);
    expect(r!.ledgers.swept_in.attempts).toBeGreaterThan(0);
    expect(r!.ledgers.swept_in.granted).toBe(0);
    expect(r!.specialGrantsWithoutValidCode).toBe(0);
    // The guests' real codes, issued by the server, were granted.
    expect(r!.ledgers.legit.granted).toBeGreaterThanOrEqual(5);
    expect(r!.targets).toEqual([expect.objectContaining({ met: true })]);
    // Ring detection ran on the server with the analyst key the lab created.
    expect(r!.classification.measured).toBe(true);
    // The same honesty checks as in process: the numbers add up.
    expectHonest(r!);
    const files = readdirSync(out).sort();
    expect(files).toEqual([
      'pdd-2019-locked-seed3-scale1-http.json',
      'pdd-2019-locked-seed3-scale1-http.progress.json',
      'pdd-2019-seed3-scale1-http.html',
    ]);
    expect(JSON.parse(readFileSync(join(out, files[1]!), 'utf8'))).toMatchObject({
      state: 'done',
      percent: 100,
      driver: 'http',
    });
  }, 60_000);

  it('refuses to start without keys, and reports an unreachable server as an error', async () => {
    const a = io();
    expect(
      await run(['replay', 'pdd-2019', '--http', url, '--out', join(dir, 'x')], { io: a.io, env: {} }),
    ).toBe(1);
    expect(a.err.join('\n')).toContain('needs a client and an operator key');
    const b = io();
    expect(
      await run(
        [
          'replay',
          'pdd-2019',
          '--http',
          'http://127.0.0.1:9',
          '--admin-key',
          admin,
          '--config',
          'locked',
          '--out',
          join(dir, 'y'),
          '--quiet',
        ],
        { io: b.io, env: {} },
      ),
    ).toBe(1);
    expect(b.err.join('\n')).toContain('no couponguard server at http://127.0.0.1:9');
  });
});
