/**
 * The freeze benchmark's runner process: runs one job to its end through the real composition
 * root, printing `batch <phase> <done> <total> <ms>` after each batch, `end <outcome> <ms>` last.
 *
 * env: CG_DB, CG_JOB, optionally CG_LIMIT (batch size), COUPONGUARD_SQLITE_SYNCHRONOUS.
 */
import { compose } from '../../src/app/compose.js';
import { loadConfig } from '../../src/app/config.js';
import { processJobService } from '../../src/app/job-handlers.js';
import type { JobId } from '../../src/core/jobs/job.js';

const t0 = performance.now();
const s = compose(loadConfig(process.env, { dbPath: process.env.CG_DB! }), { risk: false });
const limit = process.env.CG_LIMIT ? Number(process.env.CG_LIMIT) : undefined;
const ms = () => Math.round(performance.now() - t0);
const out = await processJobService(s.deps).run(process.env.CG_JOB as JobId, {
  ...(limit ? { limit } : {}),
  force: true,
  onProgress: (j) => process.stdout.write(`batch ${j.phase ?? '-'} ${j.done} ${j.total ?? 0} ${ms()}\n`),
});
process.stdout.write(`end ${out.kind} ${ms()}\n`);
await s.close();
