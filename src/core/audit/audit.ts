import type { Sha256 } from '../../ports/crypto.js';

/** One operator action. Appended to a hash chain: each entry's hash covers the previous hash. */
export interface AuditInput {
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface AuditEntry extends AuditInput {
  readonly seq: number;
  readonly at: number;
  readonly prevHash: string;
  readonly hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** Stable JSON: keys sorted, so the same entry always hashes the same. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  // Loops and one string rather than map/filter/join: this runs twice on every claim.
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + canonicalJson(v[i]);
    return s + ']';
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  let s = '{';
  let first = true;
  for (const k of keys) {
    const x = o[k];
    if (x === undefined) continue;
    s += (first ? '' : ',') + JSON.stringify(k) + ':' + canonicalJson(x);
    first = false;
  }
  return s + '}';
}

export function auditHash(sha256: Sha256, prevHash: string, e: Omit<AuditEntry, 'hash' | 'prevHash'>): string {
  return sha256(`${prevHash}\n${canonicalJson({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, target: e.target, details: e.details })}`);
}

/** Walks a chain in order; returns the first broken seq (edited, deleted, reordered) or null. */
export function verifyAuditChain(sha256: Sha256, entries: Iterable<AuditEntry>): { ok: true; count: number } | { ok: false; seq: number; problem: string } {
  let prev = GENESIS_HASH;
  let expectSeq = 1;
  let count = 0;
  for (const e of entries) {
    if (e.seq !== expectSeq) return { ok: false, seq: e.seq, problem: `expected seq ${expectSeq}` };
    if (e.prevHash !== prev) return { ok: false, seq: e.seq, problem: 'previous hash does not match' };
    if (auditHash(sha256, prev, e) !== e.hash) return { ok: false, seq: e.seq, problem: 'entry hash does not match its content' };
    prev = e.hash;
    expectSeq++;
    count++;
  }
  return { ok: true, count };
}
