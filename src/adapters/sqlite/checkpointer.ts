import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SqliteDb } from './database.js';

/**
 * WAL checkpoints off the claim path.
 *
 * With SQLite's automatic checkpoints, the COMMIT that pushes the WAL past 1,000 pages copies the
 * WAL back into the database file (and with synchronous=FULL fsyncs it) before it returns: about
 * 40 µs per claim on this machine, paid on the event loop inside the group commit (bench/README,
 * "Claims throughput"). Here the serving connection's automatic checkpoint is raised to a safety
 * net (`SAFETY_NET_PAGES`), and a worker thread with its own connection runs PASSIVE checkpoints
 * when the WAL grows past `threshold` bytes. A PASSIVE checkpoint never takes the write lock, so
 * writers in this or any other process are never blocked by it; when it has copied every frame,
 * the next writer starts the WAL from the beginning again.
 *
 * Durability is unchanged: a commit is durable once its WAL frames are written (and, with FULL,
 * fsynced), whether or not they have been checkpointed yet.
 *
 * The worker starts only once a WAL first grows past the threshold, so short-lived stores (tests,
 * CLI commands) never pay for a thread.
 */
export interface Checkpointer {
  /** Called after commits: cheap (a clock read) except every `checkEveryMs`, when it stats the WAL. */
  afterCommit(): void;
  /** Checkpoints seen so far, and the last result (for tests and diagnostics). */
  stats(): { readonly runs: number; readonly lastFramesInWal: number; readonly lastCheckpointed: number };
  close(): Promise<void>;
}

/** Pages: the serving connection checkpoints by itself only if the worker falls this far behind. */
export const SAFETY_NET_PAGES = 16_384;

export interface CheckpointerOptions {
  /** WAL size in bytes above which the worker checkpoints (default 4 MiB, about SQLite's own 1,000 pages). */
  readonly threshold?: number;
  /** How often the WAL size is looked at, at most (default 50 ms). */
  readonly checkEveryMs?: number;
}

// CommonJS so that the same source runs under tsx (tests) and from dist (the server): no file to locate.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
parentPort.on('message', (m) => {
  if (m === 'close') { db.close(); process.exit(0); }
  let row = [1, -1, -1];
  try { row = Object.values(db.pragma('wal_checkpoint(PASSIVE)')[0]); } catch (e) { row = [1, -1, -1]; }
  parentPort.postMessage({ busy: row[0], log: row[1], checkpointed: row[2] });
});
`;

export function walCheckpointer(db: SqliteDb, path: string, opts: CheckpointerOptions = {}): Checkpointer | null {
  if (path === ':memory:' || path.startsWith('file:') || path === '') return null;
  const threshold = opts.threshold ?? 4 * 1024 * 1024;
  const checkEveryMs = opts.checkEveryMs ?? 50;
  db.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
  const walPath = `${path}-wal`;
  let worker: Worker | null = null;
  let running = false;
  let lastCheck = 0;
  let closed = false;
  const stats = { runs: 0, lastFramesInWal: 0, lastCheckpointed: 0 };

  const start = (): Worker => {
    const w = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module: createRequire(import.meta.url).resolve('better-sqlite3'), path },
    });
    w.unref();
    w.on('message', (r: { log: number; checkpointed: number }) => {
      running = false;
      stats.runs++;
      stats.lastFramesInWal = r.log;
      stats.lastCheckpointed = r.checkpointed;
    });
    // A dead checkpointer must not take the server down: the serving connection's safety net
    // (automatic checkpoints at SAFETY_NET_PAGES) keeps the WAL bounded without it.
    w.on('error', () => {
      worker = null;
      running = false;
    });
    return w;
  };

  return {
    afterCommit() {
      if (closed || running) return;
      const now = performance.now();
      if (now - lastCheck < checkEveryMs) return;
      lastCheck = now;
      let size = 0;
      try {
        size = statSync(walPath).size;
      } catch {
        return;
      }
      if (size < threshold) return;
      worker ??= start();
      running = true;
      worker.postMessage('run');
    },
    stats: () => ({ ...stats }),
    async close() {
      closed = true;
      const w = worker;
      worker = null;
      if (!w) return;
      const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      w.postMessage('close');
      const timer = setTimeout(() => void w.terminate(), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
