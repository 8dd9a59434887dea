/**
 * The README's API walk-through, run as written against a demo server started the way the README
 * says (on a temporary database and a free port).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

let server: ChildProcess | null = null;
afterAll(() => {
  server?.kill('SIGTERM');
});

function walkthrough(): string {
  const blocks = [...readFileSync('README.md', 'utf8').matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const block = blocks.find((b) => b.includes('/v1/claims'));
  if (!block) throw new Error('README has no walk-through block');
  return block;
}

it('the README walk-through works against the demo server', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cg-readme-'));
  server = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--demo', '--port', '0'], {
    env: { ...process.env, COUPONGUARD_DB: join(dir, 'couponguard.db'), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const api = await new Promise<string>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30_000);
    server!.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    });
    server!.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  const r = spawnSync('bash', ['-euo', 'pipefail', '-c', walkthrough()], {
    env: { ...process.env, API: api, KEYS: join(dir, 'demo-keys.json') },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines[0]).toMatchObject({ decision: 'allow' });
  expect(lines[1]).toMatchObject({ decision: 'deny' });
  expect(JSON.stringify(lines[1])).toContain('CODE_REQUIRED');
  expect(lines[2]).toMatchObject({ status: 'placed', discountFen: 10_000, payFen: 5_900 });
});
