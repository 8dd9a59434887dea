import type { CoreDeps } from '../deps.js';
import { appError, type AppError } from '../shared/errors.js';
import { err, ok, type Result } from '../shared/result.js';
import type { Counters } from '../../ports/counters.js';
import { backtest, type BacktestReport } from './backtest.js';
import { activePolicy } from './engine.js';
import type { PolicyDoc, PolicyVersion } from './policy-doc.js';
import { validatePolicy } from './use-cases.js';

export interface BacktestRequest {
  /** A stored version, or a draft document; neither means the live version. */
  readonly version?: number;
  readonly policy?: PolicyDoc;
  readonly from: number;
  readonly to: number;
}

/** Backtests a stored or draft policy over the recorded claims of [from, to). */
export async function runBacktest(
  d: CoreDeps,
  req: BacktestRequest,
  counters: Counters,
  onProgress?: (done: number) => void,
): Promise<Result<BacktestReport, AppError>> {
  let version: PolicyVersion | null | undefined;
  if (req.policy) {
    const problems = validatePolicy(d.rules, req.policy);
    if (problems.length) return err(appError('VALIDATION_FAILED', `policy refused: ${problems.map((p) => p.message).join('; ')}`));
    version = { version: 0, doc: req.policy, status: 'retired', createdAt: d.clock.now(), createdBy: 'draft', note: 'draft' };
  } else if (req.version !== undefined) {
    version = await d.store.policies.get(req.version);
  } else {
    version = (await d.store.policies.list()).filter((p) => p.status === 'live').at(-1);
  }
  if (!version) return err(appError('NOT_FOUND', 'no such policy version'));
  if (req.to <= req.from) return err(appError('VALIDATION_FAILED', 'to must be after from'));
  const report = await backtest({
    claims: d.store.claims.scan({ from: req.from, to: req.to }),
    events: d.store.accounts.scanEvents({ from: 0, to: req.to }),
    campaign: (id) => d.store.campaigns.get(id as never),
    policy: activePolicy(version, (rules) => d.rules.compile(rules)),
    counters,
    onProgress,
  });
  return ok(report);
}
