/**
 * Incident response: an incident's scope and leniency (incident.ts), its use cases (use-cases.ts),
 * the bulk freeze / release / cancel jobs (jobs.ts), tracing (trace.ts), live loss accounting
 * (loss.ts, report.ts), evidence bundles (evidence.ts), masking of personal data (mask.ts), and the
 * port ring detection plugs into (rings.ts).
 */
export * from './incident.js';
export * from './use-cases.js';
export * from './jobs.js';
export * from './trace.js';
export * from './loss.js';
export * from './report.js';
export * from './evidence.js';
export * from './mask.js';
export * from './rings.js';
export * from './list-file.js';
