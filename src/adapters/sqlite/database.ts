import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';

export type SqliteDb = Database.Database;

export interface SqliteOptions {
  /** File path, or ':memory:' for tests. */
  readonly path: string;
  /**
   * `FULL` fsyncs the WAL on every commit (survives power loss); `NORMAL` survives a process crash
   * (what invariant 3 asks: the WAL is written before commit returns) but not an OS crash.
   */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /**
   * Where claims commit: `thread` (default for files) on a writer thread with its own connection
   * (writer-thread.ts); `inline` in this thread's group commit (always for ':memory:').
   */
  readonly writer?: 'thread' | 'inline';
}

/** Opens the database with the pragmas the claim path relies on, and migrates it. */
export function openSqlite(opts: SqliteOptions): SqliteDb {
  // The file holds phone numbers and decisions: readable by its owner only (the WAL and shared
  // memory files SQLite creates next to it take the same mode).
  if (opts.path !== ':memory:' && !opts.path.startsWith('file:')) closeSync(openSync(opts.path, 'a', 0o600));
  const db = new Database(opts.path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
  // Several server processes may share one file: writers wait for each other instead of failing.
  db.pragma('busy_timeout = 10000');
  db.pragma('foreign_keys = ON');
  // 64 MiB page cache: the claim path's indexes stay in memory.
  db.pragma('cache_size = -65536');
  migrate(db);
  return db;
}

export function migrate(db: SqliteDb): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      // Another process may have migrated between our read and this write lock.
      if (db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(m.version)) return;
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
    }).immediate();
  }
}
