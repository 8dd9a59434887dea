/** `couponguard replay`: runs both configurations small, prints the summary, writes JSON and HTML. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { readReplayFile } from '../../src/cli/replay-file.js';

const dir = mkdtempSync(join(tmpdir(), 'cg-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) } };
}

describe('couponguard replay', () => {
  it('replays pdd-2019 in both configurations and writes the reports', async () => {
    const b = io();
    const code = await run(['replay', 'pdd-2019', '--scale', '0.1', '--history-days', '1', '--hours', '1', '--seed', '5', '--out', dir], { io: b.io });
    expect(code, b.err.join('\n')).toBe(0);
    const text = b.out.join('\n');
    expect(text).toContain('replay pdd-2019 [locked]');
    expect(text).toContain('replay pdd-2019 [loophole]');
    const files = readdirSync(dir).filter((f) => !f.endsWith('.progress.json')).sort();
    expect(files).toEqual(['pdd-2019-locked-seed5-scale0.1.json', 'pdd-2019-loophole-seed5-scale0.1.json', 'pdd-2019-seed5-scale0.1.html']);
    // Progress beside each report, finished.
    for (const c of ['locked', 'loophole'])
      expect(JSON.parse(readFileSync(join(dir, `pdd-2019-${c}-seed5-scale0.1.progress.json`), 'utf8'))).toMatchObject({ state: 'done', percent: 100, config: c, driver: 'in-process' });
    const locked = JSON.parse(readFileSync(join(dir, files[0]!), 'utf8')) as { ledgers: { ring: { granted: number } } };
    expect(locked.ledgers.ring.granted).toBe(0);
    expect(readFileSync(join(dir, files[2]!), 'utf8')).toContain('<svg');
  }, 120_000);

  it('runs a variant in the loophole configuration only', async () => {
    const b = io();
    const out = join(dir, 'variant');
    const code = await run(['replay', 'pdd-2019', '--variant', 'flash-sale', '--scale', '0.1', '--history-days', '1', '--hours', '1', '--seed', '5', '--out', out], { io: b.io });
    expect(code, b.err.join('\n')).toBe(0);
    expect(b.out.join('\n')).toContain('replay pdd-2019 --variant flash-sale [loophole]');
    expect(readdirSync(out).sort()).toEqual(['pdd-2019-flash-sale-loophole-seed5-scale0.1.json', 'pdd-2019-flash-sale-loophole-seed5-scale0.1.progress.json', 'pdd-2019-flash-sale-seed5-scale0.1.html']);
    const c = io();
    expect(await run(['replay', 'pdd-2019', '--variant', 'rotating', '--config', 'locked', '--out', out], { io: c.io })).toBe(1);
    expect(c.err.join('\n')).toContain('loophole configuration');
  }, 120_000);

  it('--config FILE: runs the knobs of a scenario file; flags given on the command line win', async () => {
    const file = join(dir, 'knobs.json');
    writeFileSync(file, JSON.stringify({ configuration: 'locked', seed: 9, scale: 0.1, historyDays: 1, hoursAfterAttack: 1, shapes: { legitAccounts: 300, rings: [{ segment: '1709512', accounts: 100, perDevice: 10, ips: 2, targets: 2 }] } }));
    const out = join(dir, 'file');
    const b = io();
    const code = await run(['replay', 'pdd-2019', '--config', file, '--seed', '4', '--out', out, '--json', '--quiet'], { io: b.io });
    expect(code, b.err.join('\n')).toBe(0);
    const [r] = JSON.parse(b.out.join('\n')) as { config: string; seed: number; scale: number; ledgers: { ring: { actors: number; granted: number }; legit: { actors: number } } }[];
    expect(r).toMatchObject({ config: 'locked', seed: 4, scale: 0.1 });
    expect(r!.ledgers.ring.actors).toBe(10);
    expect(r!.ledgers.legit.actors).toBe(30);
    expect(r!.ledgers.ring.granted).toBe(0);
  }, 120_000);

  it('--config FILE: a bad file exits 2 with the reason and runs nothing', async () => {
    const cases: [string, string][] = [
      ['{"seed": "7"}', '/seed must be integer'],
      ['{"shapes": {"rings": [{"segment": "12", "accounts": 5, "perDevice": 1, "ips": 1, "targets": 1}]}}', '/shapes/rings/0/segment must match pattern'],
      ['{"scael": 2}', "must NOT have additional properties 'scael'"],
      ['{"variant": "rotating", "configuration": "locked"}', 'loophole configuration only'],
      ['{"scale": 100}', 'more than 9000 consecutive numbers'],
      ['{not json', 'is not valid JSON'],
    ];
    for (const [i, [text, message]] of cases.entries()) {
      const file = join(dir, `bad${i}.json`);
      writeFileSync(file, text);
      const out = join(dir, `bad-out${i}`);
      const b = io();
      expect(await run(['replay', 'pdd-2019', '--config', file, '--out', out], { io: b.io }), text).toBe(2);
      expect(b.err.join('\n')).toContain(message);
      expect(existsSync(out), 'nothing was written').toBe(false);
    }
    const b = io();
    expect(await run(['replay', 'pdd-2019', '--config', join(dir, 'missing.json'), '--out', join(dir, 'm')], { io: b.io })).toBe(2);
    expect(b.err.join('\n')).toContain('cannot read');
    const c = io();
    expect(await run(['replay', 'pdd-2019', '--config', 'lockd', '--out', join(dir, 'm')], { io: c.io })).toBe(1);
    expect(c.err.join('\n')).toContain('not a configuration (locked|loophole|both) nor a file');
  });

  it('the example scenario files are valid', async () => {
    for (const f of readdirSync('examples/replay')) await expect(readReplayFile(join('examples/replay', f))).resolves.toBeTypeOf('object');
  });

  it('refuses an unknown scenario', async () => {
    const b = io();
    expect(await run(['replay', 'nope', '--out', dir], { io: b.io })).toBe(1);
    expect(b.err.join('\n')).toContain('unknown scenario nope');
  });
});
