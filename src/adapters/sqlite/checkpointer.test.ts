import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { walCheckpointer, SAFETY_NET_PAGES } from './checkpointer.js';
import { openSqlite } from './database.js';
import { groupCommitter } from './group-commit.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function fresh(): string {
  const d = mkdtempSync(join(tmpdir(), 'cg-ckpt-'));
  dirs.push(d);
  return join(d, 'store.db');
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('WAL checkpointer', () => {
  it('keeps the serving connection from checkpointing inside commits and checkpoints from its own thread', async () => {
    const path = fresh();
    const db = openSqlite({ path });
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, pad TEXT NOT NULL)');
    const cp = walCheckpointer(db, path, { threshold: 256 * 1024, checkEveryMs: 0 })!;
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(SAFETY_NET_PAGES);
    const enqueue = groupCommitter(db, () => cp.afterCommit());
    const insert = db.prepare('INSERT INTO t (pad) VALUES (?)');
    const pad = 'x'.repeat(2_000);
    // 20 batches of 100 rows (~200 KiB each): the WAL passes the threshold again and again.
    for (let b = 0; b < 20; b++) {
      await Promise.all(Array.from({ length: 100 }, () => enqueue(() => insert.run(pad))));
      await pause(5);
    }
    for (let i = 0; i < 100 && cp.stats().runs === 0; i++) await pause(20);
    expect(cp.stats().runs).toBeGreaterThan(0);
    expect(cp.stats().lastCheckpointed).toBeGreaterThan(0);
    // Every row is there, and pages reached the database file itself (without a checkpoint they
    // would all still be in the WAL and the file would hold only the schema).
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(2_000);
    expect(statSync(path).size).toBeGreaterThan(1024 * 1024);
    await cp.close();
    db.close();
    // Reopened, the data is intact.
    const again = openSqlite({ path });
    expect(again.prepare('SELECT count(*) FROM t').pluck().get()).toBe(2_000);
    again.close();
  });

  it('never starts a thread for a small WAL, and does nothing for in-memory stores', async () => {
    const path = fresh();
    const db = openSqlite({ path });
    const cp = walCheckpointer(db, path, { checkEveryMs: 0 })!;
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    cp.afterCommit();
    expect(cp.stats().runs).toBe(0);
    await cp.close();
    db.close();
    expect(walCheckpointer(openSqlite({ path: ':memory:' }), ':memory:')).toBeNull();
  });
});
