/** The import-boundary check passes on our tree and fails on a core that imports a driver. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const run = (dir?: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/check-boundaries.ts', ...(dir ? [dir] : [])], { encoding: 'utf8' });

it('holds on src', () => {
  const r = run();
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/boundaries hold/);
});

it('fails when the core imports a driver, a framework, an adapter or reads the clock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cg-bounds-'));
  mkdirSync(join(dir, 'core'));
  mkdirSync(join(dir, 'ports'));
  mkdirSync(join(dir, 'adapters'));
  writeFileSync(join(dir, 'core', 'a.ts'), "import Database from 'better-sqlite3';\nexport const d = Database;\n");
  writeFileSync(join(dir, 'core', 'b.ts'), "import type { FastifyInstance } from 'fastify';\nexport type F = FastifyInstance;\n");
  writeFileSync(join(dir, 'core', 'c.ts'), "import { x } from '../adapters/x.js';\nexport const now = () => Date.now() + x;\n");
  writeFileSync(join(dir, 'core', 'ok.test.ts'), "import { it } from 'vitest';\nit('x', () => {});\n");
  const r = run(dir);
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/a\.ts: imports 'better-sqlite3'/);
  expect(r.stderr).toMatch(/b\.ts: imports 'fastify'/);
  expect(r.stderr).toMatch(/c\.ts: imports '\.\.\/adapters\/x\.js', outside/);
  expect(r.stderr).toMatch(/c\.ts: reads the wall clock/);
  expect(r.stderr).not.toMatch(/ok\.test\.ts/);
});
