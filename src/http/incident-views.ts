import type { AuditEntry } from '../core/audit/audit.js';
import type { Incident, Member } from '../core/incidents/incident.js';
import type { IncidentSummary } from '../core/incidents/use-cases.js';
import type { Job } from '../core/jobs/job.js';
import type { Makegood, Recipient } from '../core/makegood/makegood.js';
import type { MakegoodSummary } from '../core/makegood/use-cases.js';
import type { Role } from '../ports/store.js';
import { iso } from './views.js';

/** Roles that see personal data in clear in traces, aggregates and evidence (as in views.ts). */
export const seesPii = (role: Role): boolean => role === 'admin' || role === 'auditor';

export const jobView = (j: Job) => ({
  ...j,
  createdAt: iso(j.createdAt),
  startedAt: iso(j.startedAt),
  updatedAt: iso(j.updatedAt),
  finishedAt: iso(j.finishedAt),
  leaseUntil: iso(j.leaseUntil),
  progress: j.total ? Math.min(1, j.done / j.total) : null,
});

export const incidentView = (i: Incident) => ({
  ...i,
  window: i.window ? { from: iso(i.window.from), to: iso(i.window.to) } : null,
  createdAt: iso(i.createdAt),
  updatedAt: iso(i.updatedAt),
});

export const summaryView = (s: IncidentSummary) => ({
  ...incidentView(s.incident),
  scope: s.scope,
  orders: s.orders,
  activeJob: s.activeJob ? jobView(s.activeJob) : null,
});

export const memberView = (m: Member) => ({ ...m, foundAt: iso(m.foundAt), actedAt: iso(m.actedAt) });

export const timelineView = (e: AuditEntry) => ({ ...e, at: iso(e.at) });

export const makegoodView = (m: Makegood) => ({
  ...m,
  population: m.population.kind === 'active' ? { ...m.population, from: iso(m.population.from), to: iso(m.population.to) } : m.population,
  createdAt: iso(m.createdAt),
  updatedAt: iso(m.updatedAt),
});

export const makegoodSummaryView = (s: MakegoodSummary) => ({ ...makegoodView(s.makegood), recipients: s.recipients, budgetLeftFen: s.budgetLeftFen });

export const recipientView = (r: Recipient) => ({ ...r, at: iso(r.at) });
