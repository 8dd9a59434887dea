import type { Evidence, Finding, FindingRule, ScopeKind } from './monitor.js';

export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** A finding as the team sees it: deduplicated while open, acknowledged, resolved. */
export interface Alert {
  readonly id: string;
  /** One open alert per rule and scope: repeats update it instead of paging again. */
  readonly dedupKey: string;
  readonly rule: FindingRule;
  readonly scopeKind: ScopeKind;
  readonly scopeValue: string;
  readonly severity: 'critical' | 'warning';
  readonly status: AlertStatus;
  readonly title: string;
  readonly firstAt: number;
  readonly lastAt: number;
  readonly count: number;
  readonly evidence: Evidence;
  /** What the circuit breaker did, if anything ("paused type tv-guest-100"). */
  readonly action: string | null;
  readonly ackedBy: string | null;
  readonly resolvedBy: string | null;
}

/**
 * A warning is deduplicated apart from a critical finding of the same rule and scope, so one that
 * grows critical (a spike against a cold start that keeps climbing) opens a new alert, which the
 * circuit breaker acts on, instead of bumping the open warning. Critical keys are as before.
 */
export const dedupKeyOf = (f: Finding): string => `${f.rule}|${f.scope.kind}|${f.scope.value}${f.severity === 'warning' ? '|warning' : ''}`;

/** The JSON a webhook receives. */
export const webhookBody = (a: Alert, event: 'alert.opened') => ({ event, alert: a });
