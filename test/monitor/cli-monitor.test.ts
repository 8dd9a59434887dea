/** `couponguard pause|resume`, `alerts`, `monitor` on a database file. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';

const db = join(mkdtempSync(join(tmpdir(), 'cg-cli-mon-')), 'cg.db');
async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(['--db', db, ...argv], { io: { out: (t) => out.push(t), err: (t) => err.push(t) }, env: { COUPONGUARD_RISK: 'off' } });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

it('pauses and resumes a coupon type and a channel, audited, refusing repeats and unknown channels', async () => {
  expect((await cli('pause', '--type', 'tv-guest-100', '--reason', 'forged codes')).out).toBe('type tv-guest-100 paused');
  expect((await cli('pause', '--type', 'tv-guest-100')).code).toBe(1);
  expect((await cli('pause', '--channel', 'fax')).code).toBe(1);
  expect((await cli('pause', '--channel', 'web')).out).toBe('channel web paused');
  expect((await cli('resume', '--type', 'tv-guest-100')).out).toBe('type tv-guest-100 resumed');
  expect((await cli('resume', '--type', 'tv-guest-100')).code).toBe(1);
  expect((await cli('pause')).code).toBe(1);
  expect((await cli('audit', 'verify')).code).toBe(0);
});

it('lists alerts and prints a series', async () => {
  expect((await cli('alerts', 'list')).out).toBe('no alerts');
  const m = await cli('--json', 'monitor', 'total', '--minutes', '5');
  expect(m.code).toBe(0);
  expect(JSON.parse(m.out)).toHaveLength(5);
  expect((await cli('monitor', 'nonsense')).code).toBe(1);
});
