/**
 * The writer thread's side (see writer-thread.ts): its own connection to the database file, the
 * same claim transaction as the serving thread (`claimCommitter`), and group commit: every plan
 * that arrived while the previous transaction ran goes into the next IMMEDIATE transaction, each in
 * its own savepoint. Answers go back only after COMMIT has returned (invariant 3).
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { ClaimPlan } from '../../core/claims/claim.js';
import { SAFETY_NET_PAGES } from './checkpointer.js';
import { claimCommitter } from './claim-repo.js';
import type { WriterReply, WriterRequest, WriterSetup } from './writer-thread.js';

const setup = workerData as WriterSetup;
const port = parentPort!;
const db = new Database(setup.path);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${setup.synchronous}`);
db.pragma('busy_timeout = 10000');
db.pragma('foreign_keys = ON');
db.pragma('cache_size = -65536');
// Each claim of a batch runs in its own savepoint, and SQLite keeps the original of every page a
// savepoint touches in a sub-journal, a temporary *file* by default: ~7 pages of 4 KiB written per
// claim. In memory the claim transaction's statements take half the time (70 → 37 µs a claim at
// 16 claims per transaction; bench/README "Claims throughput"). Only claim transactions run on
// this connection, so nothing here sorts large temporary tables.
db.pragma('temp_store = MEMORY');
db.pragma(`wal_autocheckpoint = ${setup.checkpointer ? SAFETY_NET_PAGES : 1000}`);
const commit = claimCommitter(db);

const MAX_BATCH = 512;
const queue: { id: number; plan: ClaimPlan }[] = [];
let scheduled = false;

function flush(): void {
  scheduled = false;
  const batch = queue.splice(0, MAX_BATCH);
  if (queue.length) schedule();
  const replies: WriterReply[] = [];
  const t0 = performance.now();
  let t1 = t0;
  try {
    db.transaction(() => {
      for (const { id, plan } of batch) {
        try {
          const value = commit(plan);
          // The serving thread still holds the plan: a record committed as planned is not sent back.
          replies.push(value.kind === 'committed' && value.record === plan.record ? { id, ok: true, asPlanned: true } : { id, ok: true, value });
        } catch (e) {
          replies.push({ id, ok: false, error: e instanceof Error ? e.message : String(e) });
        }
      }
      t1 = performance.now();
    }).immediate();
  } catch (e) {
    // The COMMIT itself failed (busy past the timeout, disk full): nothing in the batch happened.
    const error = e instanceof Error ? e.message : String(e);
    port.postMessage({ replies: batch.map(({ id }) => ({ id, ok: false, error })) });
    return;
  }
  const t2 = performance.now();
  port.postMessage({ replies, batch: { statementsMs: t1 - t0, commitMs: t2 - t1 } });
}

function schedule(): void {
  scheduled = true;
  setImmediate(flush);
}

port.on('message', (m: WriterRequest) => {
  if (m.close) {
    db.close();
    process.exit(0);
  }
  for (const p of m.plans) queue.push(p);
  if (!scheduled) schedule();
});
port.postMessage({ ready: true });
