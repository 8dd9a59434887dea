import { Worker } from 'node:worker_threads';
import { workerUrl } from '../node/worker-url.js';
import type { ClaimCommitOutcome, ClaimPlan } from '../../core/claims/claim.js';

/**
 * The claim transaction on its own thread.
 *
 * On the serving thread a group commit of ~40 claims holds the event loop for ~5 ms (the SQL
 * statements, the WAL write and the fsync; bench/README "Claims throughput"), and every request
 * that arrives meanwhile waits. Here the claim use case still runs on the serving thread — HTTP,
 * signals, rules, the plan — but the plan is committed by a worker thread with its own connection
 * (writer-worker.ts), which group-commits whatever arrived while its last transaction ran. The two
 * halves overlap on two cores instead of adding up on one.
 *
 * Invariants:
 * - Durable before acknowledged: a claim's promise settles when the worker's answer arrives, which
 *   it sends after COMMIT has returned.
 * - No overspend: the worker runs the same `claimCommitter` transaction (IMMEDIATE, the write lock
 *   on the file) as the serving thread would; other writers — this process's own connection, other
 *   processes — serialize with it on that lock.
 * - Exactly once: if the worker dies, every plan still waiting for an answer is committed again on
 *   the serving thread. A plan the worker did commit before dying carries its idempotency key, so
 *   the second attempt finds it and answers the first record (`replayed`) without granting again.
 *
 * The worker starts with the first claim, so processes that never claim never start it.
 */
export interface WriterSetup {
  readonly path: string;
  readonly synchronous: 'FULL' | 'NORMAL';
  /** Whether a checkpointer takes checkpoints off this connection too (see checkpointer.ts). */
  readonly checkpointer: boolean;
}

export type WriterRequest = { readonly close?: false; readonly plans: readonly { id: number; plan: ClaimPlan }[] } | { readonly close: true; readonly plans?: undefined };
export type WriterReply =
  | { readonly id: number; readonly ok: true; readonly value: ClaimCommitOutcome; readonly asPlanned?: undefined }
  /** Committed with the plan's own record (the common case): the record is not sent back. */
  | { readonly id: number; readonly ok: true; readonly asPlanned: true; readonly value?: undefined }
  | { readonly id: number; readonly ok: false; readonly error: string };
/** How long one group commit spent in its statements and in COMMIT (the WAL write and fsync). */
export interface WriterBatchTiming {
  readonly statementsMs: number;
  readonly commitMs: number;
}
type WriterMessage =
  | { readonly ready: true; readonly replies?: undefined }
  | { readonly ready?: undefined; readonly replies: readonly WriterReply[]; readonly batch?: WriterBatchTiming };

/** What the writer thread has done since it started (or since `reset`), for metrics and benchmarks. */
export interface WriterStats {
  readonly transactions: number;
  readonly claims: number;
  readonly statementsMs: number;
  readonly commitMs: number;
  /** Claims per transaction, in buckets 1, 2–3, 4–7, … 256–511 (index i holds sizes [2^i, 2^(i+1))). */
  readonly batchSizes: readonly number[];
}

export interface ClaimWriter {
  commit(plan: ClaimPlan): Promise<ClaimCommitOutcome>;
  /** Starts the thread now and resolves once it is ready (or has failed: claims then commit here). */
  warm(): Promise<void>;
  /** Whether claims still go to the thread (false after it died: they commit on the serving thread). */
  alive(): boolean;
  /** Plans the thread has answered so far. */
  answered(): number;
  /** Group commits on the thread so far; `reset` starts the counts again. */
  stats(reset?: boolean): WriterStats;
  /** Terminates the thread the way a crash would (tests, drills): claims in flight are re-committed here. */
  crash(): Promise<void>;
  close(): Promise<void>;
}

export interface ClaimWriterOptions {
  /** Commits a plan on the serving thread: for plans the worker could not answer, and after it died. */
  readonly fallback: (plan: ClaimPlan) => Promise<ClaimCommitOutcome>;
  /** After each batch of answers (the checkpointer's poke). */
  readonly afterCommit?: () => void;
}

export function claimWriterThread(setup: WriterSetup, opts: ClaimWriterOptions): ClaimWriter {
  let worker: Worker | null = null;
  let ready: Promise<void> | null = null;
  let dead = false;
  let closing = false;
  let nextId = 1;
  let answered = 0;
  const pending = new Map<number, { plan: ClaimPlan; resolve: (o: ClaimCommitOutcome) => void; reject: (e: unknown) => void }>();
  let outbox: { id: number; plan: ClaimPlan }[] = [];
  const fresh = () => ({ transactions: 0, claims: 0, statementsMs: 0, commitMs: 0, batchSizes: new Array<number>(10).fill(0) });
  let stats = fresh();
  let scheduled = false;

  const settleOnServingThread = () => {
    const left = [...pending.values()];
    pending.clear();
    outbox = [];
    return Promise.allSettled(left.map((p) => opts.fallback(p.plan).then(p.resolve, p.reject)));
  };

  const die = () => {
    if (dead) return;
    dead = true;
    worker = null;
    void settleOnServingThread();
  };

  const start = (): Worker => {
    const w = new Worker(workerUrl(import.meta.url, 'writer-worker'), { workerData: setup });
    w.unref();
    ready = new Promise<void>((resolve) => {
      const done = () => resolve();
      w.once('message', done);
      w.once('error', done);
      w.once('exit', done);
    });
    w.on('message', (m: WriterMessage) => {
      if (!m.replies) return;
      for (const r of m.replies) {
        const p = pending.get(r.id);
        if (!p) continue;
        pending.delete(r.id);
        answered++;
        if (!r.ok) p.reject(new Error(r.error));
        else p.resolve(r.asPlanned ? { kind: 'committed', record: p.plan.record } : r.value);
      }
      if (m.batch) {
        stats.transactions++;
        stats.claims += m.replies.length;
        stats.statementsMs += m.batch.statementsMs;
        stats.commitMs += m.batch.commitMs;
        stats.batchSizes[Math.min(9, Math.floor(Math.log2(Math.max(1, m.replies.length))))]!++;
      }
      if (pending.size === 0) w.unref();
      opts.afterCommit?.();
    });
    w.on('error', die);
    w.on('exit', () => {
      if (!closing) die();
    });
    return w;
  };

  const send = () => {
    scheduled = false;
    if (!worker || !outbox.length) return;
    const plans = outbox;
    outbox = [];
    worker.postMessage({ plans } satisfies WriterRequest);
  };

  return {
    alive: () => !dead,
    answered: () => answered,
    stats: (reset = false) => {
      const out = { ...stats, batchSizes: [...stats.batchSizes] };
      if (reset) stats = fresh();
      return out;
    },
    async crash() {
      const w = worker;
      if (!w) return;
      await w.terminate();
      die();
    },
    async warm() {
      if (dead || closing) return;
      worker ??= start();
      await ready;
    },
    commit(plan) {
      if (dead || closing) return opts.fallback(plan);
      worker ??= start();
      return new Promise<ClaimCommitOutcome>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { plan, resolve, reject });
        if (pending.size === 1) worker!.ref();
        outbox.push({ id, plan });
        if (!scheduled) {
          scheduled = true;
          setImmediate(send);
        }
      });
    },
    async close() {
      closing = true;
      const w = worker;
      worker = null;
      if (!w) return;
      // Let every claim in flight be answered first.
      if (outbox.length) w.postMessage({ plans: outbox } satisfies WriterRequest);
      outbox = [];
      for (let i = 0; i < 500 && pending.size; i++) await new Promise((r) => setTimeout(r, 10));
      const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      w.postMessage({ close: true } satisfies WriterRequest);
      const timer = setTimeout(() => void w.terminate(), 5_000);
      await exited;
      clearTimeout(timer);
      if (pending.size) await settleOnServingThread();
    },
  };
}
