/**
 * Bench-only probe (no change to src/): times every outermost transaction run on one
 * better-sqlite3 connection. The store builds its transactions with db.transaction(fn) — the group
 * committer asks for a fresh one per flush — so wrapping that method on the connection sees every
 * batch. Returns the durations (ms) recorded so far; `reset()` empties them.
 */
import { performance } from 'node:perf_hooks';
import type { SqliteDb } from '../../src/adapters/sqlite/index.js';

export interface TxProbe {
  readonly times: number[];
  reset(): void;
}

export function probeTransactions(db: SqliteDb): TxProbe {
  const times: number[] = [];
  const original = db.transaction.bind(db);
  const timed = <F extends (...a: never[]) => unknown>(run: F): F =>
    ((...a: Parameters<F>) => {
      if (db.inTransaction) return run(...a);
      const t0 = performance.now();
      try {
        return run(...a);
      } finally {
        times.push(performance.now() - t0);
      }
    }) as F;
  db.transaction = ((fn: (...a: never[]) => unknown) => {
    const tx = original(fn);
    return Object.assign(timed(tx), { default: timed(tx.default), deferred: timed(tx.deferred), immediate: timed(tx.immediate), exclusive: timed(tx.exclusive) });
  }) as typeof db.transaction;
  return { times, reset: () => void (times.length = 0) };
}
