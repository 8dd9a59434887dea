/**
 * Resumable jobs: long bulk work (a bulk freeze, a make-good, a bulk revocation) as a persisted
 * checkpoint that batches advance, so that a crash, a kill, a pause or a deploy at any point
 * resumes without doing any unit twice.
 *
 * ## The model
 * A `Job` has an id, a `kind`, `params`, a `ref` (what it works on exclusively: at most one
 * unfinished job per ref), a `status` (queued → running → done; paused and failed on the way),
 * a `phase`, an opaque `cursor`, `done`/`total` within the phase, `counts` (the kind's tallies),
 * times, the acting `actor`, and while it runs the `owner` runner's lease.
 *
 * ## Adding a kind (e.g. bulk revocation, issue 4)
 * 1. A store batch method in your repo that, in ONE transaction, reads up to `limit` units after
 *    `ticket.cursor`, applies them, and calls `jobCheckpoint(db).advance(ticket, next, finishAudit)`
 *    (src/adapters/sqlite/job-repo.ts) with the new cursor, done/total and counts; wrapped in
 *    `checkpoint.guard(...)` so a stale ticket (paused, taken over) answers `lost` with nothing applied.
 *    Example: `sqliteIncidentBatches` (incident-batch-repo.ts), `sqliteMakegoodRepo.issueBatch`.
 * 2. A `JobHandler` in the core: `{ kind, batchSize, step(job, ticket, limit) }` whose `step`
 *    calls that method (dispatch on `job.phase` for several phases). Example: `incidentJobHandlers`.
 * 3. Register it in `jobHandlers` (src/app/job-handlers.ts): the server, `couponguard jobs resume`
 *    and GET/POST /v1/jobs then know it.
 * 4. A use case creates the job with `createJob(d, { kind, ref, params, actor, audit })` (audited);
 *    the caller runs it: the CLI with `runJobHere` (progress bars), the server with
 *    `JobService.spawn` (progress through GET /v1/jobs/{id}).
 *
 * ## Guarantees
 * - A batch's changes and its checkpoint commit together or not at all (one transaction).
 * - `advance` compares-and-sets (running, owner, cursor): a runner that lost its lease, a paused
 *   job, a second runner racing the first: the stale batch rolls back whole.
 * - A dead runner's lease runs out after `JOB_LEASE_MS`; the server picks such jobs up on start
 *   (`JobService.resumeAbandoned`), `couponguard jobs resume ID [--force]` at once.
 */
export * from './job.js';
export * from './runner.js';
export * from './service.js';
