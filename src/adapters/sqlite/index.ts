import type { Sha256 } from '../../ports/crypto.js';
import type { Store } from '../../ports/store.js';
import { sqliteAccountRepo } from './account-repo.js';
import { auditAppender, sqliteAuditRepo } from './audit-repo.js';
import { sqliteCampaignRepo } from './campaign-repo.js';
import { sqliteClaimRepo } from './claim-repo.js';
import { sqliteCodeRepo } from './code-repo.js';
import { sqliteCouponRepo } from './coupon-repo.js';
import { openSqlite, type SqliteOptions, type SqliteDb } from './database.js';
import { groupCommitter } from './group-commit.js';
import { walCheckpointer } from './checkpointer.js';
import { claimWriterThread, type ClaimWriter } from './writer-thread.js';
import { sqliteIncidentBatches } from './incident-batch-repo.js';
import { sqliteIncidentRepo } from './incident-repo.js';
import { jobCheckpoint, sqliteJobRepo } from './job-repo.js';
import { sqliteKeyRepo } from './key-repo.js';
import { sqliteMakegoodRepo } from './makegood-repo.js';
import { sqliteTraceRepo } from './trace-repo.js';
import { sqliteOrderRepo } from './order-repo.js';
import { sqliteMonitoringRepo } from './monitoring-repo.js';
import { sqliteConfigVersion, sqliteListRepo, sqlitePolicyRepo, sqliteReviewRepo } from './risk-repo.js';
import { sqliteRingRepo } from './ring-repo.js';

export type { SqliteOptions, SqliteDb };
export { openSqlite };

/** The embedded store: every repo over one better-sqlite3 connection. */
export function sqliteStore(opts: SqliteOptions, sha256: Sha256): Store & { readonly db: SqliteDb; readonly claimWriter: ClaimWriter | null } {
  const db = openSqlite(opts);
  const appendAudit = auditAppender(db, sha256);
  const checkpointer = walCheckpointer(db, opts.path);
  const afterCommit = checkpointer ? () => checkpointer.afterCommit() : undefined;
  const enqueue = groupCommitter(db, afterCommit);
  const fileBacked = opts.path !== ':memory:' && !opts.path.startsWith('file:');
  const claims = sqliteClaimRepo(db, enqueue, {
    writer:
      fileBacked && (opts.writer ?? 'thread') === 'thread'
        ? (fallback) =>
            claimWriterThread(
              { path: opts.path, synchronous: opts.synchronous ?? 'FULL', checkpointer: checkpointer !== null },
              { fallback, ...(afterCommit ? { afterCommit } : {}) },
            )
        : null,
  });
  const writer = claims.writer;
  const orders = sqliteOrderRepo(db, appendAudit, enqueue);
  const cfg = sqliteConfigVersion(db);
  const checkpoint = jobCheckpoint(db, appendAudit);
  return {
    db,
    claimWriter: writer,
    campaigns: sqliteCampaignRepo(db, appendAudit),
    codes: sqliteCodeRepo(db, appendAudit),
    claims,
    coupons: sqliteCouponRepo(db, appendAudit, checkpoint),
    orders,
    policies: sqlitePolicyRepo(db, appendAudit),
    lists: sqliteListRepo(db, appendAudit),
    reviews: sqliteReviewRepo(db, appendAudit, orders.transitionTx),
    rings: sqliteRingRepo(db, appendAudit),
    jobs: sqliteJobRepo(db, appendAudit, checkpoint),
    incidents: { ...sqliteIncidentRepo(db, appendAudit), ...sqliteIncidentBatches(db, appendAudit, checkpoint, orders.transitionTx) },
    traces: sqliteTraceRepo(db),
    makegoods: sqliteMakegoodRepo(db, appendAudit, checkpoint),
    monitoring: sqliteMonitoringRepo(db, appendAudit),
    configVersion: async () => cfg.read(),
    accounts: sqliteAccountRepo(db),
    audit: sqliteAuditRepo(db, appendAudit),
    keys: sqliteKeyRepo(db, appendAudit),
    warm: async () => {
      await writer?.warm();
    },
    close: async () => {
      // The other connections first (claims in flight are answered), so that the last one to
      // close (ours) checkpoints and removes the WAL.
      await writer?.close();
      await checkpointer?.close();
      db.close();
    },
  };
}
