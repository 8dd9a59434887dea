/**
 * One finished detection run holding one ring of the given accounts, stored the way a run stores
 * its rings: for suites that need a ring id and a run id to exist (route sweeps, fuzz).
 */
import type { Ring, RingId, RingRunId } from '../../src/core/rings/ring.js';
import type { AccountId, CampaignId } from '../../src/core/shared/ids.js';
import type { Store } from '../../src/ports/store.js';

export async function plantRing(store: Store, at: number, accounts: readonly string[], campaignId?: string): Promise<{ runId: RingRunId; ringId: RingId }> {
  const runId = 'rrun_01fixture0000000000000000' as RingRunId;
  const ringId = 'ring_01fixture0000000000000000_1' as RingId;
  const ring: Ring = {
    id: ringId,
    runId,
    rank: 1,
    size: accounts.length,
    score: 100,
    lift: 50,
    exclusivity: 1,
    cohesion: 0.8,
    evidence: [{ kind: 'device', value: 'fixture-rack', accounts: accounts.length, total: accounts.length }],
    evidenceByKind: { device: { things: 1, links: accounts.length } },
    campaigns: campaignId ? [{ campaignId: campaignId as CampaignId, claims: accounts.length, grants: 0, faceValueFen: 0 }] : [],
    claims: accounts.length,
    coupons: 0,
    faceValueFen: 0,
    orders: 0,
    redeemedFen: 0,
    cashoutFen: 0,
    firstSeenAt: at,
    lastSeenAt: at,
    detectors: { denseBlock: { accounts: accounts.length, things: 1, score: 100, density: 1 }, community: 0, component: { size: accounts.length, overlap: 1 }, attached: 0 },
  };
  await store.rings.startRun({ id: runId, at, from: 0, to: at + 1, status: 'running', actor: 'fixture', stats: null, error: null, finishedAt: null }, { actor: 'fixture', action: 'ring.detect', target: runId, details: {} });
  const stats = { accounts: accounts.length, things: 1, links: accounts.length, droppedThings: 0, claims: 0, orders: 0, events: 0, communities: 1, modularity: 0, candidates: 1, threshold: 0, nullBest: 0, rings: 1, ringAccounts: accounts.length, ms: 0 };
  await store.rings.finishRun(runId, stats, [{ ring, members: accounts.map((a) => ({ accountId: a as AccountId, share: 1, strongLinks: 1, attached: false })), things: ring.evidence }], at);
  return { runId, ringId };
}
