import type { AuditEntry, AuditInput } from '../../core/audit/audit.js';
import { canAcquire, isActive, JOB_LEASE_MS, type Job, type JobAdvance, type JobId, type JobProgress, type JobStatus, type JobTicket } from '../../core/jobs/job.js';
import type { AcquireOutcome, JobRepo } from '../../ports/jobs.js';
import type { SqliteDb } from './database.js';

interface JobRow {
  id: string;
  kind: string;
  ref: string | null;
  params: string;
  status: string;
  phase: string | null;
  cursor: string | null;
  done: number;
  total: number | null;
  counts: string;
  batches: number;
  actor: string;
  created_at: number;
  started_at: number | null;
  updated_at: number;
  finished_at: number | null;
  error: string | null;
  owner: string | null;
  lease_until: number | null;
}

const jobFromRow = (r: JobRow): Job => ({
  id: r.id as JobId,
  kind: r.kind,
  ref: r.ref,
  params: JSON.parse(r.params) as unknown,
  status: r.status as JobStatus,
  phase: r.phase,
  cursor: r.cursor,
  done: r.done,
  total: r.total,
  counts: JSON.parse(r.counts) as Record<string, number>,
  batches: r.batches,
  actor: r.actor,
  createdAt: r.created_at,
  startedAt: r.started_at,
  updatedAt: r.updated_at,
  finishedAt: r.finished_at,
  error: r.error,
  owner: r.owner,
  leaseUntil: r.lease_until,
});

/** Thrown inside a batch's transaction when its ticket is stale: the whole batch rolls back. */
class TicketLost extends Error {}

/**
 * The job checkpoint, for use INSIDE a batch's own transaction. A kind's batch method on SQLite
 * looks like this (see incident-batch-repo.ts):
 *
 * ```ts
 * const checkpoint = jobCheckpoint(db, appendAudit);
 * const batch = db.transaction((t: JobTicket, limit: number) => {
 *   // ... read after t.cursor, apply changes ...
 *   return checkpoint.advance(t, { cursor, phase, done, total, counts, finished }, finishAudit);
 * });
 * return checkpoint.guard(() => batch.immediate(ticket, limit));   // 'lost' if the ticket was stale
 * ```
 *
 * `advance` compares-and-sets: the job must still be running under the ticket's owner at the
 * ticket's cursor, or it throws and the caller's transaction (with the batch's changes) rolls back.
 * On the last batch (`finished`) the job becomes `done` and `finishAudit` is appended, with the
 * final counts, in the same transaction.
 */
export function jobCheckpoint(db: SqliteDb, appendAudit: (e: AuditInput, at: number) => AuditEntry, leaseMs = JOB_LEASE_MS) {
  const set = db.prepare(
    `UPDATE jobs SET cursor = @next, phase = @phase, done = @done, total = @total, counts = @counts, batches = batches + 1,
       updated_at = @at, lease_until = @lease, status = @status, finished_at = @finishedAt,
       owner = CASE WHEN @status = 'done' THEN NULL ELSE owner END
     WHERE id = @id AND status = 'running' AND owner = @owner AND cursor IS @cursor`,
  );
  const get = db.prepare('SELECT * FROM jobs WHERE id = ?');
  return {
    advance(t: JobTicket, next: JobProgress, finishAudit: AuditInput | null): Job {
      const r = set.run({
        id: t.jobId,
        owner: t.owner,
        cursor: t.cursor,
        next: next.cursor,
        phase: next.phase,
        done: next.done,
        total: next.total,
        counts: JSON.stringify(next.counts),
        at: t.at,
        lease: next.finished ? null : t.at + leaseMs,
        status: next.finished ? 'done' : 'running',
        finishedAt: next.finished ? t.at : null,
      });
      if (r.changes !== 1) throw new TicketLost(`job ${t.jobId} is no longer running at this checkpoint for ${t.owner}`);
      if (next.finished && finishAudit) appendAudit({ ...finishAudit, details: { ...finishAudit.details, jobId: t.jobId, counts: next.counts } }, t.at);
      return jobFromRow(get.get(t.jobId) as JobRow);
    },
    /** Runs a batch transaction; a stale ticket becomes `lost` (and nothing of the batch stays). */
    guard(batch: () => Job): JobAdvance {
      try {
        return { kind: 'advanced', job: batch() };
      } catch (e) {
        if (e instanceof TicketLost) return { kind: 'lost' };
        throw e;
      }
    },
  };
}

export type JobCheckpoint = ReturnType<typeof jobCheckpoint>;

export function sqliteJobRepo(db: SqliteDb, appendAudit: (e: AuditInput, at: number) => AuditEntry, checkpoint: JobCheckpoint): JobRepo {
  const s = {
    insert: db.prepare(
      `INSERT INTO jobs (id, kind, ref, params, status, phase, cursor, done, total, counts, batches, actor, created_at, started_at, updated_at, finished_at, error, owner, lease_until)
       VALUES (@id, @kind, @ref, @params, @status, NULL, NULL, 0, NULL, '{}', 0, @actor, @createdAt, NULL, @createdAt, NULL, NULL, NULL, NULL)`,
    ),
    get: db.prepare('SELECT * FROM jobs WHERE id = ?'),
    active: db.prepare("SELECT * FROM jobs WHERE ref = ? AND status IN ('queued', 'running', 'paused') LIMIT 1"),
    take: db.prepare(
      "UPDATE jobs SET status = 'running', owner = ?, lease_until = ?, started_at = coalesce(started_at, ?), updated_at = ?, error = NULL WHERE id = ?",
    ),
    setStatus: db.prepare('UPDATE jobs SET status = ?, updated_at = ?, owner = NULL, lease_until = NULL WHERE id = ?'),
    letGo: db.prepare("UPDATE jobs SET status = ?, error = ?, updated_at = ?, owner = NULL, lease_until = NULL WHERE id = ? AND status = 'running' AND owner = ?"),
    abandoned: db.prepare("SELECT * FROM jobs WHERE status = 'queued' OR (status = 'running' AND (lease_until IS NULL OR lease_until <= ?)) ORDER BY id"),
  };

  const acquire = db.transaction((id: JobId, owner: string, at: number, leaseUntil: number, force: boolean): AcquireOutcome => {
    const row = s.get.get(id) as JobRow | undefined;
    if (!row) return { kind: 'not_found' };
    const job = jobFromRow(row);
    const can = canAcquire(job, at, owner, force);
    if (can === 'finished') return { kind: 'finished', job };
    if (can === 'busy') return { kind: 'busy', job };
    if (job.ref && !isActive(job.status)) {
      // A failed job coming back must not run beside another unfinished job on its ref.
      const holder = s.active.get(job.ref) as JobRow | undefined;
      if (holder && holder.id !== id) return { kind: 'ref_taken', job, holder: jobFromRow(holder) };
    }
    s.take.run(owner, leaseUntil, at, at, id);
    return { kind: 'acquired', job: jobFromRow(s.get.get(id) as JobRow) };
  });

  const create = db.transaction((job: Job, audit: AuditInput) => {
    if (job.ref) {
      const holder = s.active.get(job.ref) as JobRow | undefined;
      if (holder) return { kind: 'ref_taken' as const, holder: jobFromRow(holder) };
    }
    s.insert.run({ id: job.id, kind: job.kind, ref: job.ref, params: JSON.stringify(job.params), status: job.status, actor: job.actor, createdAt: job.createdAt });
    appendAudit(audit, job.createdAt);
    return { kind: 'created' as const, job: jobFromRow(s.get.get(job.id) as JobRow) };
  });

  const setStatus = db.transaction((id: JobId, from: readonly JobStatus[], to: JobStatus, at: number, audit: AuditInput | null) => {
    const row = s.get.get(id) as JobRow | undefined;
    if (!row) return { changed: false, job: null };
    const job = jobFromRow(row);
    if (!from.includes(job.status)) return { changed: false, job };
    if (job.ref && isActive(to) && !isActive(job.status)) {
      const holder = s.active.get(job.ref) as JobRow | undefined;
      if (holder && holder.id !== id) return { changed: false, job };
    }
    s.setStatus.run(to, at, id);
    // Filed under what the job works on, so that (say) an incident's timeline shows its job paused.
    if (audit) appendAudit({ ...audit, target: job.ref ?? audit.target, details: { ...audit.details, jobId: id, kind: job.kind, from: job.status, to } }, at);
    return { changed: true, job: jobFromRow(s.get.get(id) as JobRow) };
  });

  const advanceOnly = db.transaction((t: JobTicket, next: JobProgress, finishAudit: AuditInput | null) => checkpoint.advance(t, next, finishAudit));

  return {
    create: async (job, audit) => create.immediate(job, audit),
    get: async (id) => {
      const r = s.get.get(id) as JobRow | undefined;
      return r ? jobFromRow(r) : null;
    },
    list: async ({ kind, status, ref, limit, after }) => {
      const where = ['id > @after'];
      if (kind) where.push('kind = @kind');
      if (status) where.push('status = @status');
      if (ref) where.push('ref = @ref');
      const rows = db
        .prepare(`SELECT * FROM jobs WHERE ${where.join(' AND ')} ORDER BY id LIMIT @n`)
        .all({ after: after ?? '', n: limit + 1, ...(kind ? { kind } : {}), ...(status ? { status } : {}), ...(ref ? { ref } : {}) }) as JobRow[];
      const items = rows.slice(0, limit).map(jobFromRow);
      return { items, next: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
    },
    activeFor: async (ref) => {
      const r = s.active.get(ref) as JobRow | undefined;
      return r ? jobFromRow(r) : null;
    },
    acquire: async (id, owner, at, leaseUntil, force) => acquire.immediate(id, owner, at, leaseUntil, force),
    advance: async (t, next, finishAudit) => checkpoint.guard(() => advanceOnly.immediate(t, next, finishAudit)),
    setStatus: async (id, from, to, at, audit) => setStatus.immediate(id, from, to, at, audit),
    letGo: async (id, owner, to, at, error) => {
      s.letGo.run(to, error, at, id, owner);
      const r = s.get.get(id) as JobRow | undefined;
      return r ? jobFromRow(r) : null;
    },
    abandoned: async (at) => (s.abandoned.all(at) as JobRow[]).map(jobFromRow),
  };
}
