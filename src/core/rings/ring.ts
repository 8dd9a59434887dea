/**
 * Rings as first-class objects: who is in one, what ties them (the evidence), which campaigns,
 * coupons and money they touched, how sure we are (the score), and when they were active.
 * A ring belongs to the detection run that found it; the latest finished run is the current one,
 * and its rings are what the claim path and incidents see.
 */
import type { AccountId, Brand, CampaignId } from '../shared/ids.js';
import type { Fen } from '../shared/money.js';
import type { RingFinding } from './find-rings.js';
import type { ThingKind } from './kinds.js';
import type { LinkGraph } from './link-graph.js';

export type RingId = Brand<string, 'RingId'>;
export type RingRunId = Brand<string, 'RingRunId'>;

export const RING_ID_PATTERN = '^ring_[0-9a-z]{8,40}_[0-9]{1,6}$';
export const RING_RUN_ID_PATTERN = '^rrun_[0-9a-z]{8,40}$';

export interface RingMember {
  readonly accountId: AccountId;
  /** Share of what the account shares with anyone that lies on the ring's things (0..1). */
  readonly share: number;
  /** Strong links (identity, phone, device, payment, target, address, phone run) into the ring's things. */
  readonly strongLinks: number;
  /** Joined when the block was grown, rather than by the peel. */
  readonly attached: boolean;
}

/** One shared thing: how many ring members have it, and how many accounts at all. */
export interface RingEvidence {
  readonly kind: ThingKind;
  readonly value: string;
  readonly accounts: number;
  readonly total: number;
}

export interface RingCampaign {
  readonly campaignId: CampaignId;
  readonly claims: number;
  readonly grants: number;
  readonly faceValueFen: Fen;
}

export interface Ring {
  readonly id: RingId;
  readonly runId: RingRunId;
  /** 1 = highest score in its run. */
  readonly rank: number;
  readonly size: number;
  /**
   * The ring's surprise: the log-likelihood ratio of the evidence inside it against what its
   * members' and things' overall activity would put there by chance (see significance.ts).
   */
  readonly score: number;
  /** Inside evidence ÷ chance expectation. */
  readonly lift: number;
  /** Share of the evidence on its strong things that comes from its members. */
  readonly exclusivity: number;
  /** Share of its members' evidence that lies on its things (camouflage lowers it). */
  readonly cohesion: number;
  /** Its things, strongest first (at most 100), and totals per kind. */
  readonly evidence: readonly RingEvidence[];
  readonly evidenceByKind: Readonly<Partial<Record<ThingKind, { things: number; links: number }>>>;
  readonly campaigns: readonly RingCampaign[];
  readonly claims: number;
  readonly coupons: number;
  readonly faceValueFen: Fen;
  readonly orders: number;
  /** Coupon discount spent on its orders. */
  readonly redeemedFen: Fen;
  /** Virtual top-ups, game currency and gift cards in its orders. */
  readonly cashoutFen: Fen;
  readonly firstSeenAt: number;
  readonly lastSeenAt: number;
  /** What each detector says: the dense block it came from, the Louvain community, the strong-link component. */
  readonly detectors: {
    readonly denseBlock: { readonly accounts: number; readonly things: number; readonly score: number; readonly density: number };
    readonly community: number;
    readonly component: { readonly size: number; readonly overlap: number } | null;
    readonly attached: number;
  };
}

export interface RingRunStats {
  readonly accounts: number;
  readonly things: number;
  readonly links: number;
  readonly droppedThings: number;
  readonly claims: number;
  readonly orders: number;
  readonly events: number;
  readonly communities: number;
  readonly modularity: number;
  readonly candidates: number;
  readonly threshold: number;
  readonly nullBest: number | null;
  readonly rings: number;
  readonly ringAccounts: number;
  readonly ms: number;
}

export type RingRunStatus = 'running' | 'done' | 'failed';

export interface RingRun {
  readonly id: RingRunId;
  readonly at: number;
  readonly from: number;
  readonly to: number;
  readonly status: RingRunStatus;
  readonly actor: string;
  readonly stats: RingRunStats | null;
  readonly error: string | null;
  readonly finishedAt: number | null;
}

/** A ring with its members and every thing it shares, as stored. */
export interface RingRecord {
  readonly ring: Ring;
  readonly members: readonly RingMember[];
  readonly things: readonly RingEvidence[];
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Turns a run's findings into rings: ids, evidence, campaigns and money from the graph's ledgers. */
export function ringsFromFinding(lg: LinkGraph, f: RingFinding, runId: RingRunId): RingRecord[] {
  const ringOfRow = new Int32Array(lg.graph.rows).fill(-1);
  f.rings.forEach((r, k) => r.members.forEach((m) => (ringOfRow[m.row] = k)));
  const money = f.rings.map(() => ({ claims: 0, coupons: 0, fen: 0, orders: 0, redeemed: 0, cashout: 0, campaigns: new Map<number, { claims: number; grants: number; fen: number }>() }));
  const c = lg.claims;
  for (let k = 0; k < c.account.length; k++) {
    const r = ringOfRow[c.account[k]!]!;
    if (r < 0) continue;
    const m = money[r]!;
    const g = c.granted[k]!;
    m.claims++;
    m.coupons += g;
    m.fen += g * c.faceValueFen[k]!;
    const per = m.campaigns.get(c.campaign[k]!) ?? { claims: 0, grants: 0, fen: 0 };
    per.claims++;
    per.grants += g;
    per.fen += g * c.faceValueFen[k]!;
    m.campaigns.set(c.campaign[k]!, per);
  }
  const o = lg.orders;
  for (let k = 0; k < o.account.length; k++) {
    const r = ringOfRow[o.account[k]!]!;
    if (r < 0) continue;
    money[r]!.orders++;
    money[r]!.redeemed += o.discountFen[k]!;
    money[r]!.cashout += o.cashoutFen[k]!;
  }
  const suffix = runId.slice('rrun_'.length);
  return f.rings.map((d, k) => {
    const m = money[k]!;
    const things: RingEvidence[] = d.things.map((t) => ({ kind: lg.thingKind[t.col]!, value: lg.thingValue[t.col]!, accounts: t.inside, total: t.degree }));
    const byKind: Partial<Record<ThingKind, { things: number; links: number }>> = {};
    for (const t of things) {
      const e = (byKind[t.kind] ??= { things: 0, links: 0 });
      e.things++;
      e.links += t.accounts;
    }
    let first = Infinity;
    let last = -Infinity;
    for (const mem of d.members) {
      first = Math.min(first, lg.firstSeen[mem.row]!);
      last = Math.max(last, lg.lastSeen[mem.row]!);
    }
    const ring: Ring = {
      id: `ring_${suffix}_${k + 1}` as RingId,
      runId,
      rank: k + 1,
      size: d.members.length,
      score: round(d.stats.surprise, 1),
      lift: round(d.stats.lift, 1),
      exclusivity: round(d.stats.colShare),
      cohesion: round(d.stats.rowShare),
      evidence: things.slice(0, 100),
      evidenceByKind: byKind,
      campaigns: [...m.campaigns]
        .map(([ci, v]) => ({ campaignId: lg.campaigns[ci]! as CampaignId, claims: v.claims, grants: v.grants, faceValueFen: v.fen }))
        .sort((a, b) => b.faceValueFen - a.faceValueFen || b.claims - a.claims),
      claims: m.claims,
      coupons: m.coupons,
      faceValueFen: m.fen,
      orders: m.orders,
      redeemedFen: m.redeemed,
      cashoutFen: m.cashout,
      firstSeenAt: first,
      lastSeenAt: last,
      detectors: {
        denseBlock: { accounts: d.block.rows, things: d.block.cols, score: round(d.block.surprise, 1), density: round(d.block.density) },
        community: d.community,
        component: d.component ? { size: d.component.size, overlap: round(d.component.overlap) } : null,
        attached: d.members.filter((x) => x.attached).length,
      },
    };
    const members: RingMember[] = d.members.map((x) => ({ accountId: lg.accounts[x.row]! as AccountId, share: round(x.share), strongLinks: x.strongLinks, attached: x.attached }));
    return { ring, members, things };
  });
}
