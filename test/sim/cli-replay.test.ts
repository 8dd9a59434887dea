/** `couponguard replay`: runs both configurations small, prints the summary, writes JSON and HTML. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';

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
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['pdd-2019-locked-seed5-scale0.1.json', 'pdd-2019-loophole-seed5-scale0.1.json', 'pdd-2019-seed5-scale0.1.html']);
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
    expect(readdirSync(out).sort()).toEqual(['pdd-2019-flash-sale-loophole-seed5-scale0.1.json', 'pdd-2019-flash-sale-seed5-scale0.1.html']);
    const c = io();
    expect(await run(['replay', 'pdd-2019', '--variant', 'rotating', '--config', 'locked', '--out', out], { io: c.io })).toBe(1);
    expect(c.err.join('\n')).toContain('loophole configuration');
  }, 120_000);

  it('refuses an unknown scenario', async () => {
    const b = io();
    expect(await run(['replay', 'nope', '--out', dir], { io: b.io })).toBe(1);
    expect(b.err.join('\n')).toContain('unknown scenario nope');
  });
});
