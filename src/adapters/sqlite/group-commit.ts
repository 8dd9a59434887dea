import type { SqliteDb } from './database.js';

/**
 * Group commit for the hot paths. Jobs queued within one event-loop turn run in one IMMEDIATE
 * transaction, each inside its own savepoint (a nested better-sqlite3 transaction), so one job's
 * bug rolls back only that job. Every job's promise settles only after COMMIT has returned:
 * a grant is never acknowledged before it is durable (invariant 3).
 *
 * Why: a claim touches about a dozen pages (claims, coupons, counters, indexes). Committed one by
 * one, each commit writes and (with synchronous=FULL) fsyncs its own WAL frames; grouped, the
 * shared pages are written once per batch and the fsync is paid once per batch.
 */
export type Enqueue = <T>(job: () => T) => Promise<T>;

const MAX_BATCH = 256;

/** `afterCommit` runs after each batch has committed and its promises are settled (checkpoint pokes). */
export function groupCommitter(db: SqliteDb, afterCommit?: () => void): Enqueue {
  const queue: { job: () => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void }[] = [];
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    const batch = queue.splice(0, MAX_BATCH);
    if (queue.length) schedule();
    const results: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      db.transaction(() => {
        for (const { job } of batch) {
          try {
            results.push({ ok: true, value: job() });
          } catch (error) {
            results.push({ ok: false, error });
          }
        }
      }).immediate();
    } catch (error) {
      // The commit itself failed (busy past the timeout, disk full): nothing in the batch happened.
      for (const j of batch) j.reject(error);
      return;
    }
    batch.forEach((j, i) => {
      const r = results[i]!;
      if (r.ok) j.resolve(r.value);
      else j.reject(r.error);
    });
    afterCommit?.();
  };
  const schedule = () => {
    scheduled = true;
    setImmediate(flush);
  };

  return <T>(job: () => T) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ job, resolve: resolve as (v: unknown) => void, reject });
      if (!scheduled) schedule();
    });
}
