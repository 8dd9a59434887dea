/**
 * Runs (or resumes) one revocation job on a database file, printing progress lines the parent
 * reads: `progress <done>`, then `done <json counts>`. The parent may SIGKILL it at any moment.
 * argv: <db> <jobId> [--force]  (--force: the previous runner is known dead, take over its lease)
 */
import { processJobService } from '../../src/app/job-handlers.js';
import { compose } from '../../src/app/compose.js';
import { loadConfig } from '../../src/app/config.js';

const [db, jobId, force] = process.argv.slice(2) as [string, string, string | undefined];
const s = compose(loadConfig({ COUPONGUARD_RISK: 'off' }, { dbPath: db }));
const out = await processJobService(s.deps).run(jobId as never, { force: force === '--force', onProgress: (j) => process.stdout.write(`progress ${j.done}\n`) });
process.stdout.write(`${out.kind} ${JSON.stringify('job' in out ? out.job.counts : {})}\n`);
await s.close();
