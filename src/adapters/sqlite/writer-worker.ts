/**
 * The writer thread's side (see writer-thread.ts): its own connection to the database file, the
 * same claim transaction as the serving thread (`claimCommitter`), and group commit: every plan
 * that arrived while the previous transaction ran goes into the next IMMEDIATE transaction, each in
 * its own savepoint. Answers go back only once the transaction is durable (invariant 3).
 *
 * Durability under `synchronous=FULL`, pipelined: in WAL mode FULL differs from NORMAL only in
 * that COMMIT fsyncs the WAL before it returns, holding the write lock for the whole fsync (~0.5–
 * 1.5 ms here) while the next batch waits. This connection commits with NORMAL instead (the WAL
 * frames are written to the file, not yet synced) and fsyncs the WAL itself, on libuv's thread
 * pool, while it already runs the next batch's statements. A batch's answers are sent only after
 * an fdatasync of the WAL that *started after its COMMIT returned* has completed, so every
 * acknowledged claim's frames (and every frame before them: the WAL is appended in order) are on
 * disk, exactly as FULL would have had them. One fsync covers every batch committed before it
 * started. Checkpoints are unchanged: SQLite syncs the WAL before and the database after each.
 * If the WAL file cannot be opened or synced, the claims are answered with an error, never as
 * granted, and the connection goes back to plain FULL.
 */
import { closeSync, fdatasync, openSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { ClaimPlan } from '../../core/claims/claim.js';
import { SAFETY_NET_PAGES } from './checkpointer.js';
import { claimCommitter } from './claim-repo.js';
import type { WriterBatchTiming, WriterReply, WriterRequest, WriterSetup } from './writer-thread.js';

const setup = workerData as WriterSetup;
const port = parentPort!;
const db = new Database(setup.path);
db.pragma('journal_mode = WAL');
/** Whether this thread syncs the WAL itself (FULL asked) rather than inside COMMIT. */
let ownSync = setup.synchronous === 'FULL' && !process.env.EXP_INLINE_FSYNC;
db.pragma(`synchronous = ${ownSync ? 'NORMAL' : setup.synchronous}`);
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

interface Committed {
  readonly replies: WriterReply[];
  readonly batch: WriterBatchTiming;
}
/** Committed batches waiting for an fsync that starts after their COMMIT. */
let unsynced: Committed[] = [];
/**
 * Fsyncs in flight. Each committed batch starts its own at once (rather than waiting for the one
 * in flight and then for another), so its answer waits for one fsync, not two; a few at a time
 * leave libuv's thread pool (4 threads) room for the rest of the process.
 */
let syncing = 0;
const MAX_SYNCS = 2;
let walFd: number | null = null;

function send(c: Committed, syncMs: number, failure?: string): void {
  const replies = failure ? c.replies.map(({ id }) => ({ id, ok: false as const, error: failure })) : c.replies;
  port.postMessage({ replies, batch: { ...c.batch, syncMs } });
}

/** Gives up on syncing ourselves: answers what waits with an error (its durability is unknown). */
function fallBackToFull(why: string, failed: readonly Committed[]): void {
  if (ownSync) {
    ownSync = false;
    db.pragma('synchronous = FULL');
  }
  for (const c of [...failed, ...unsynced.splice(0)]) send(c, 0, `the write-ahead log could not be synced: ${why}`);
}

function sync(): void {
  if (syncing >= MAX_SYNCS || !unsynced.length) return;
  if (walFd === null) {
    try {
      walFd = openSync(`${setup.path}-wal`, 'r');
    } catch (e) {
      fallBackToFull(e instanceof Error ? e.message : String(e), []);
      return;
    }
  }
  syncing++;
  const covered = unsynced;
  unsynced = [];
  const t0 = performance.now();
  fdatasync(walFd, (e) => {
    syncing--;
    if (e) return fallBackToFull(e.message, covered);
    const syncMs = performance.now() - t0;
    for (const c of covered) send(c, syncMs);
    sync();
  });
}

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
  const done: Committed = { replies, batch: { statementsMs: t1 - t0, commitMs: t2 - t1 } };
  if (!ownSync) return send(done, 0);
  unsynced.push(done);
  sync();
}

function schedule(): void {
  scheduled = true;
  setImmediate(flush);
}

port.on('message', (m: WriterRequest) => {
  if (m.close) {
    // The serving thread sends `close` once every claim has been answered, so no sync is pending.
    if (walFd !== null) closeSync(walFd);
    db.close();
    process.exit(0);
  }
  for (const p of m.plans) queue.push(p);
  if (!scheduled) schedule();
});
port.postMessage({ ready: true });
