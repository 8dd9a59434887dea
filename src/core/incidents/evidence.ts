import { auditHash, GENESIS_HASH, type AuditEntry } from '../audit/audit.js';
import type { CoreDeps } from '../deps.js';
import { appError, type AppError } from '../shared/errors.js';
import type { OrderId } from '../shared/ids.js';
import { err, ok, type Result } from '../shared/result.js';
import type { Sha256 } from '../../ports/crypto.js';
import { incidentLoss } from './report.js';
import type { IncidentId } from './incident.js';
import { maskAddress, maskChain, maskClaim, maskTarget } from './mask.js';
import { traceCoupon } from './trace.js';

/**
 * Evidence export. A bundle is a set of text files (JSON, JSON lines and CSV) about one incident,
 * a manifest with each file's SHA-256, size and line count, and a proof from the audit log:
 *
 *  1. the files are written, then the manifest;
 *  2. the export is appended to the audit log with the manifest's SHA-256 (`incident.export`);
 *  3. `audit-proof.json` holds the incident's audit entries in full up to that export entry, and
 *     every link (seq, previous hash, hash) of the chain from the incident's first entry to it.
 *
 * `verifyBundle` checks all of it offline: a changed byte, a removed or reordered row changes a
 * file's hash; a changed manifest no longer matches the hash sealed in the export entry; a changed
 * entry no longer matches its hash, and a changed hash breaks the chain. Against the live log
 * (`verifyProofAgainstLog`) it also shows that the chain in the bundle is the chain in the store.
 */
export const EVIDENCE_FORMAT = 'couponguard-evidence/1';
export const PACKED_FORMAT = 'couponguard-evidence-packed/1';
export const MANIFEST_FILE = 'manifest.json';
export const PROOF_FILE = 'audit-proof.json';

/** A file of the bundle: its name and its lines (each without the newline, which the writer adds). */
export interface EvidenceFile {
  readonly name: string;
  lines(): AsyncIterable<string>;
}

/** What a writer measured about a file (and what a verifier measures again). */
export interface FileFacts {
  readonly name: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly lines: number;
}

export interface Manifest {
  readonly format: typeof EVIDENCE_FORMAT;
  readonly incidentId: IncidentId;
  readonly title: string;
  readonly createdAt: string;
  readonly createdBy: string;
  /** Personal data masked (the exporting role may not see it). */
  readonly masked: boolean;
  /** The audit log's last entry when the export began. */
  readonly auditHead: { readonly seq: number; readonly hash: string } | null;
  readonly files: readonly FileFacts[];
}

export interface ChainLink {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditProof {
  readonly format: typeof EVIDENCE_FORMAT;
  readonly incidentId: IncidentId;
  readonly manifestSha256: string;
  /** The incident's entries (target = incident id), in full, ending with this export. */
  readonly entries: readonly AuditEntry[];
  /** Every link of the chain from the first of `entries` to the last. */
  readonly chain: readonly ChainLink[];
}

const csvCell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};
export const csvLine = (cells: readonly unknown[]): string => cells.map(csvCell).join(',');
const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());

function jsonFile(name: string, value: () => Promise<unknown>): EvidenceFile {
  return {
    name,
    async *lines() {
      yield* JSON.stringify(await value(), null, 2).split('\n');
    },
  };
}

/** Pages through an incident's members in seq order. */
async function* membersOf(d: CoreDeps, id: IncidentId) {
  let afterSeq = 0;
  for (;;) {
    const page = await d.store.incidents.members(id, { limit: 500, afterSeq });
    yield* page.items;
    if (page.next === null) return;
    afterSeq = page.next;
  }
}

/** The bundle's data files, read from the store as they are written. */
export async function evidenceFiles(d: CoreDeps, id: IncidentId, opts: { clear: boolean }): Promise<Result<EvidenceFile[], AppError>> {
  const incident = await d.store.incidents.get(id);
  if (!incident) return err(appError('NOT_FOUND', `incident ${id} not found`));
  const clear = opts.clear;
  const files: EvidenceFile[] = [
    jsonFile('incident.json', async () => ({
      incident,
      scope: await d.store.incidents.scopeCounts(id),
      orders: await d.store.incidents.dispositionCounts(id),
    })),
    {
      name: 'scope.csv',
      async *lines() {
        yield csvLine(['kind', 'value']);
        let after: string | undefined;
        for (;;) {
          const page = await d.store.incidents.scopePage(id, { limit: 1000, ...(after ? { after } : {}) });
          for (const s of page.items) yield csvLine([s.kind, s.kind === 'topup_target' ? maskTarget(s.value, clear) : s.value]);
          if (!page.next) return;
          after = page.next;
        }
      },
    },
    {
      name: 'accounts.csv',
      async *lines() {
        yield csvLine(['account_id', 'class', 'ring', 'source']);
        let after: string | undefined;
        for (;;) {
          const page = await d.store.incidents.accountsPage(id, { limit: 1000, ...(after ? { after } : {}) });
          for (const a of page.items) yield csvLine([a.accountId, a.class, a.ring, a.source]);
          if (!page.next) return;
          after = page.next;
        }
      },
    },
    {
      name: 'orders.csv',
      async *lines() {
        yield csvLine(['order_id', 'account_id', 'placed_at', 'status', 'disposition', 'prior_status', 'acted_at', 'total_fen', 'discount_fen', 'pay_fen', 'coupon_ids', 'campaign_ids', 'topup_targets', 'device_id', 'ip', 'decision', 'reasons']);
        for await (const m of membersOf(d, id)) {
          const o = await d.store.orders.get(m.orderId as OrderId);
          if (!o) continue;
          yield csvLine([
            o.id, o.accountId, iso(o.at), o.status, m.disposition, m.priorStatus, iso(m.actedAt), o.totalFen, o.discountFen, o.payFen,
            o.coupons.map((c) => c.couponId).join(' '), o.coupons.map((c) => c.campaignId).join(' '),
            o.items.map((i) => maskTarget(i.topupTarget, clear)).filter(Boolean).join(' '),
            o.deviceId, maskAddress(o.ip, clear), o.decision, o.reasons.map((r) => r.code).join(' '),
          ]);
        }
      },
    },
    {
      name: 'decisions.csv',
      async *lines() {
        yield csvLine(['subject', 'id', 'at', 'account_id', 'campaign_id', 'decision', 'reasons', 'rules', 'policy_version', 'phone', 'device_id', 'ip', 'identity_hash', 'code_id']);
        for await (const m of membersOf(d, id)) {
          const o = await d.store.orders.get(m.orderId as OrderId);
          if (!o) continue;
          yield csvLine(['order', o.id, iso(o.at), o.accountId, '', o.decision, o.reasons.map((r) => r.code).join(' '), o.rules.map((r) => r.ruleId).join(' '), o.policyVersion, '', o.deviceId, maskAddress(o.ip, clear), '', '']);
          for (const a of o.coupons) {
            const coupon = await d.store.coupons.get(a.couponId);
            const c = coupon ? await d.store.claims.get(coupon.claimId) : null;
            if (!c) continue;
            const v = maskClaim(c, clear);
            yield csvLine(['claim', v.id, iso(v.at), v.accountId, v.campaignId, v.decision, v.reasons.map((r) => r.code).join(' '), v.rules.map((r) => r.ruleId).join(' '), v.policyVersion, v.phone, v.deviceId, v.ip, v.identityHash, v.codeId]);
          }
        }
      },
    },
    {
      name: 'traces.jsonl',
      async *lines() {
        for await (const m of membersOf(d, id)) {
          const o = await d.store.orders.get(m.orderId as OrderId);
          if (!o) continue;
          const chains = [];
          for (const a of o.coupons) {
            const coupon = await d.store.coupons.get(a.couponId);
            if (coupon) chains.push(maskChain(await traceCoupon(d, coupon), clear));
          }
          yield JSON.stringify({ orderId: o.id, disposition: m.disposition, chains });
        }
      },
    },
    jsonFile('timeline.json', () => d.store.incidents.timeline(id)),
    jsonFile('loss.json', async () => {
      const r = await incidentLoss(d, id);
      return r.ok ? r.value : null;
    }),
  ];
  return ok(files);
}

export const buildManifest = (m: Manifest): string => `${JSON.stringify(m, null, 2)}\n`;

/**
 * Seals a written bundle: appends the export (with the manifest's hash) to the audit log and
 * returns the proof file's text. Called once the manifest is written.
 */
export async function sealEvidence(d: CoreDeps, id: IncidentId, manifestText: string, actor: string, details: Record<string, unknown>): Promise<string> {
  const manifestSha256 = d.sha256(manifestText);
  const entry = await d.store.audit.append({ actor, action: 'incident.export', target: id, details: { ...details, manifestSha256 } }, d.clock.now());
  const entries = (await d.store.incidents.timeline(id)).filter((e) => e.seq <= entry.seq);
  const chain = await d.store.traces.auditLinks(entries[0]!.seq, entry.seq);
  const proof: AuditProof = { format: EVIDENCE_FORMAT, incidentId: id, manifestSha256, entries, chain };
  return `${JSON.stringify(proof, null, 2)}\n`;
}

export interface BundleVerdict {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly incidentId: string | null;
  readonly files: number;
  readonly auditEntries: number;
  /** The last link of the proof: compare it with the live log, or with a head recorded elsewhere. */
  readonly exportEntry: ChainLink | null;
}

function parse<T>(text: string | null, what: string, problems: string[]): T | null {
  if (text === null) {
    problems.push(`${what} is missing`);
    return null;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    problems.push(`${what} is not valid JSON`);
    return null;
  }
}

/**
 * Verifies a bundle offline, given the manifest's and the proof's texts and the facts measured on
 * every other file present. Lists every problem found.
 */
export function verifyBundle(sha256: Sha256, b: { manifestText: string | null; proofText: string | null; files: readonly FileFacts[] }): BundleVerdict {
  const problems: string[] = [];
  const manifest = parse<Manifest>(b.manifestText, MANIFEST_FILE, problems);
  const proof = parse<AuditProof>(b.proofText, PROOF_FILE, problems);
  if (manifest && manifest.format !== EVIDENCE_FORMAT) problems.push(`${MANIFEST_FILE}: unknown format ${String(manifest.format)}`);
  const present = new Map(b.files.map((f) => [f.name, f]));
  const listed = Array.isArray(manifest?.files) ? manifest.files : [];
  for (const f of listed) {
    const got = present.get(f.name);
    if (!got) problems.push(`${f.name}: listed in the manifest but missing`);
    else {
      if (got.sha256 !== f.sha256) problems.push(`${f.name}: SHA-256 does not match the manifest (the file was changed)`);
      if (got.lines !== f.lines) problems.push(`${f.name}: ${got.lines} lines, the manifest says ${f.lines} (rows added or removed)`);
      if (got.bytes !== f.bytes) problems.push(`${f.name}: ${got.bytes} bytes, the manifest says ${f.bytes}`);
    }
  }
  for (const name of present.keys()) if (!listed.some((f) => f.name === name)) problems.push(`${name}: not in the manifest (added to the bundle)`);

  let exportEntry: ChainLink | null = null;
  if (proof && b.manifestText !== null) {
    const entries = Array.isArray(proof.entries) ? proof.entries : [];
    const chain = Array.isArray(proof.chain) ? proof.chain : [];
    const bySeq = new Map(chain.map((l) => [l.seq, l]));
    chain.forEach((l, i) => {
      if (i === 0) {
        if (l.seq === 1 && l.prevHash !== GENESIS_HASH) problems.push('audit chain: the first entry does not start from the genesis hash');
        return;
      }
      const prev = chain[i - 1]!;
      if (l.seq !== prev.seq + 1) problems.push(`audit chain: seq ${l.seq} follows ${prev.seq} (an entry was removed or the chain reordered)`);
      if (l.prevHash !== prev.hash) problems.push(`audit chain: entry ${l.seq} does not link to entry ${prev.seq}`);
    });
    let prevSeq = 0;
    for (const e of entries) {
      if (e.seq <= prevSeq) problems.push(`audit entries out of order at seq ${e.seq}`);
      prevSeq = e.seq;
      const link = bySeq.get(e.seq);
      if (!link) problems.push(`audit entry ${e.seq}: not on the proof's chain`);
      else if (link.hash !== e.hash || link.prevHash !== e.prevHash) problems.push(`audit entry ${e.seq}: differs from the chain`);
      if (auditHash(sha256, e.prevHash, e) !== e.hash) problems.push(`audit entry ${e.seq} (${e.action}): content does not match its hash (edited)`);
      if (manifest && e.target !== manifest.incidentId) problems.push(`audit entry ${e.seq}: about ${e.target}, not this incident`);
    }
    const last = entries.at(-1);
    if (!last || last.action !== 'incident.export') problems.push('audit proof: it does not end with the export entry');
    else {
      const sealed = (last.details as { manifestSha256?: unknown }).manifestSha256;
      if (sealed !== sha256(b.manifestText)) problems.push(`${MANIFEST_FILE}: its SHA-256 is not the one sealed in the audit log (the manifest was changed)`);
      if (proof.manifestSha256 !== sealed) problems.push(`${PROOF_FILE}: manifestSha256 differs from the sealed export entry`);
      exportEntry = bySeq.get(last.seq) ?? null;
      if (chain.at(-1)?.seq !== last.seq) problems.push('audit proof: the chain does not end at the export entry');
    }
    if (manifest?.auditHead && chain.length && manifest.auditHead.seq >= chain[0]!.seq) {
      const head = bySeq.get(manifest.auditHead.seq);
      if (!head || head.hash !== manifest.auditHead.hash) problems.push(`${MANIFEST_FILE}: the audit head it names is not on the proof's chain`);
    }
    if (proof.incidentId !== manifest?.incidentId) problems.push(`${PROOF_FILE}: for another incident than the manifest`);
  }
  return {
    ok: problems.length === 0,
    problems,
    incidentId: manifest?.incidentId ?? null,
    files: listed.length,
    auditEntries: Array.isArray(proof?.entries) ? proof.entries.length : 0,
    exportEntry,
  };
}

/** The proof's chain against the live audit log: every link must be the log's entry at that seq. */
export function verifyProofAgainstLog(proofText: string, log: ReadonlyMap<number, { hash: string; prevHash: string }>): string[] {
  const problems: string[] = [];
  let proof: AuditProof;
  try {
    proof = JSON.parse(proofText) as AuditProof;
  } catch {
    return [`${PROOF_FILE} is not valid JSON`];
  }
  for (const l of proof.chain ?? []) {
    const live = log.get(l.seq);
    if (!live) problems.push(`live audit log: entry ${l.seq} is missing (deleted?)`);
    else if (live.hash !== l.hash || live.prevHash !== l.prevHash) problems.push(`live audit log: entry ${l.seq} differs from the bundle's proof`);
  }
  return problems;
}

/** Where a bundle is written: a directory (CLI), memory (HTTP). The sink hashes and counts as it writes. */
export interface BundleSink {
  open(name: string): Promise<{ line(text: string): Promise<void> | void; close(): Promise<FileFacts> }>;
  text(name: string, text: string): Promise<void>;
}

/** Writes the whole bundle of an incident into `sink`, sealed in the audit log. */
export async function exportEvidence(
  d: CoreDeps,
  id: IncidentId,
  sink: BundleSink,
  opts: { clear: boolean; actor: string; role: string; onFile?: (name: string) => void },
): Promise<Result<{ manifest: Manifest; manifestSha256: string }, AppError>> {
  const incident = await d.store.incidents.get(id);
  if (!incident) return err(appError('NOT_FOUND', `incident ${id} not found`));
  const files = await evidenceFiles(d, id, { clear: opts.clear });
  if (!files.ok) return files;
  const head = await d.store.traces.auditHead();
  const facts: FileFacts[] = [];
  for (const f of files.value) {
    opts.onFile?.(f.name);
    const out = await sink.open(f.name);
    for await (const l of f.lines()) await out.line(l);
    facts.push(await out.close());
  }
  const manifest: Manifest = {
    format: EVIDENCE_FORMAT,
    incidentId: id,
    title: incident.title,
    createdAt: new Date(d.clock.now()).toISOString(),
    createdBy: opts.actor,
    masked: !opts.clear,
    auditHead: head,
    files: facts,
  };
  const text = buildManifest(manifest);
  await sink.text(MANIFEST_FILE, text);
  const proof = await sealEvidence(d, id, text, opts.actor, { masked: !opts.clear, role: opts.role, files: facts.length });
  await sink.text(PROOF_FILE, proof);
  return ok({ manifest, manifestSha256: d.sha256(text) });
}
