import { DECISIONS, type Decision } from '../claims/policy.js';
import { referencedSignals, SIGNALS, parseVelocityName, type SignalGroup } from './signals.js';

/**
 * A rule an analyst writes: when the CEL expression `when` holds, the rule fires, adds `score` and
 * asks for `action`. The decision is the most severe action among fired rules and the score
 * thresholds, so several weak signals can add up to a challenge without any one rule being strict.
 */
export interface Rule {
  readonly id: string;
  readonly appliesTo: 'claim' | 'order';
  readonly when: string;
  readonly action: Decision;
  readonly score: number;
  /** Reason code returned to the client and stored, e.g. SIM_FARM_SEGMENT_RUN. */
  readonly reason: string;
  readonly description: string;
}

export interface PolicyDoc {
  readonly rules: readonly Rule[];
  /** Total-score levels at which the decision becomes at least challenge / hold / deny. */
  readonly thresholds: { readonly challenge: number; readonly hold: number; readonly deny: number };
}

export const POLICY_STATUSES = ['live', 'shadow', 'retired'] as const;
export type PolicyStatus = (typeof POLICY_STATUSES)[number];

export interface PolicyVersion {
  readonly version: number;
  readonly doc: PolicyDoc;
  readonly status: PolicyStatus;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly note: string;
}

export const SEVERITY: Record<Decision, number> = { allow: 0, challenge: 1, hold: 2, deny: 3 };
export const moreSevere = (a: Decision, b: Decision): Decision => (SEVERITY[b] > SEVERITY[a] ? b : a);

export function actionForScore(score: number, t: PolicyDoc['thresholds']): Decision {
  if (score >= t.deny) return 'deny';
  if (score >= t.hold) return 'hold';
  if (score >= t.challenge) return 'challenge';
  return 'allow';
}

/** Which signal groups each kind of rule may read. */
const GROUPS: Record<Rule['appliesTo'], readonly SignalGroup[]> = {
  claim: ['claim', 'campaign', 'account', 'links', 'phone', 'velocity'],
  order: ['account', 'links', 'velocity', 'order'],
};

export interface PolicyProblem {
  readonly ruleId: string | null;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

/** Structural checks the CEL type checker cannot make: ids, reason codes, names, groups. */
export function policyDocProblems(doc: PolicyDoc): PolicyProblem[] {
  const out: PolicyProblem[] = [];
  const ids = new Set<string>();
  const t = doc.thresholds;
  if (!(t.challenge <= t.hold && t.hold <= t.deny)) out.push({ ruleId: null, message: 'thresholds must satisfy challenge <= hold <= deny' });
  for (const r of doc.rules) {
    if (ids.has(r.id)) out.push({ ruleId: r.id, message: `duplicate rule id ${r.id}` });
    ids.add(r.id);
    if (!DECISIONS.includes(r.action)) out.push({ ruleId: r.id, message: `unknown action ${String(r.action)}` });
    for (const ref of referencedSignals(r.when)) {
      const [group, name] = ref.split('.') as [SignalGroup, string];
      if (!GROUPS[r.appliesTo].includes(group)) out.push({ ruleId: r.id, message: `${r.appliesTo} rules cannot read ${group}.*` });
      else if (group === 'velocity' ? !parseVelocityName(name) : !(name in SIGNALS[group]))
        out.push({ ruleId: r.id, message: `unknown signal ${ref}` });
    }
  }
  return out;
}
