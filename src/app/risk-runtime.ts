import { MemoryCounters } from '../adapters/memory/counters.js';
import { DEFAULT_POLICY } from '../core/risk/default-policy.js';
import { storeRingSignals } from '../core/rings/signals.js';
import { activePolicy, RiskEngine, type ActivePolicy } from '../core/risk/engine.js';
import type { ListEntry } from '../core/risk/lists.js';
import type { Clock } from '../ports/clock.js';
import type { Counters } from '../ports/counters.js';
import type { RingSignals } from '../ports/rings.js';
import type { RuleCompiler } from '../ports/rules.js';
import type { Store } from '../ports/store.js';
import type { AccountRecord } from '../core/accounts/account.js';
import type { Policy } from '../core/claims/policy.js';

/**
 * Keeps the compiled live and shadow policies and the block/allow lists in memory, and refreshes
 * them when the store's config version moves (another process published, or this one did).
 */
export class RiskRuntime {
  private live!: ActivePolicy;
  private shadow: ActivePolicy | null = null;
  private lists: readonly ListEntry[] = [];
  private seen = -1;
  private timer: NodeJS.Timeout | null = null;
  readonly engine: RiskEngine;

  private constructor(
    private readonly store: Store,
    private readonly compiler: RuleCompiler,
    private readonly clock: Clock,
    readonly counters: Counters,
    refreshMs: number,
    rings: RingSignals | undefined,
  ) {
    this.engine = new RiskEngine({
      counters,
      account: (id) => store.accounts.get(id as never),
      lists: () => this.lists,
      live: () => this.live,
      shadow: () => this.shadow,
      rings: rings ?? storeRingSignals(store),
    });
    this.ready = this.init(refreshMs);
    // Surface a failed start-up on every decision rather than as an unhandled rejection.
    this.ready.catch(() => {});
    const engine = this.engine;
    const ready = this.ready;
    this.policy = {
      evaluateClaim: async (i) => (await ready, engine.evaluateClaim(i)),
      evaluateOrder: async (i) => (await ready, engine.evaluateOrder(i)),
      claimCommitted: (i, d) => engine.claimCommitted(i, d),
    };
  }

  /** Resolves once policies are loaded (the default one published on a new store) and counters warmed. */
  readonly ready: Promise<void>;

  /**
   * The engine as the claim and order paths see it: waits for start-up once, then delegates.
   * Start-up is asynchronous but composition is not, so callers never see a half-built engine.
   */
  readonly policy: Policy;

  /** Starts loading at once; the returned runtime is usable immediately through `policy`. */
  static create(store: Store, compiler: RuleCompiler, clock: Clock, opts: { refreshMs?: number; counters?: Counters; rings?: RingSignals } = {}): RiskRuntime {
    return new RiskRuntime(store, compiler, clock, opts.counters ?? new MemoryCounters(), opts.refreshMs ?? 500, opts.rings);
  }

  private async init(refreshMs: number): Promise<void> {
    if ((await this.store.policies.list()).length === 0)
      await this.store.policies.publish(DEFAULT_POLICY, 'live', this.clock.now(), 'system', 'default policy', {
        actor: 'system',
        action: 'policy.publish.live',
        target: 'policy',
        details: { note: 'default policy' },
      });
    await this.refresh(true);
    await this.warm();
    if (refreshMs > 0) {
      this.timer = setInterval(() => void this.refresh().catch(() => {}), refreshMs);
      this.timer.unref();
    }
  }

  /** Reloads what changed since the last look; `force` reloads regardless. */
  async refresh(force = false): Promise<void> {
    const v = await this.store.configVersion();
    if (!force && v === this.seen) return;
    this.seen = v;
    const versions = await this.store.policies.list();
    const live = versions.filter((p) => p.status === 'live').at(-1);
    if (!live) throw new Error('no live policy: publish one');
    const shadow = versions.filter((p) => p.status === 'shadow').at(-1);
    const compile = (rules: Parameters<RuleCompiler['compile']>[0]) => this.compiler.compile(rules);
    this.live = activePolicy(live, compile);
    this.shadow = shadow ? activePolicy(shadow, compile) : null;
    this.lists = await this.store.lists.active(this.clock.now());
  }

  livePolicy(): ActivePolicy {
    return this.live;
  }

  /**
   * Replays the last 24 h of claims and orders into the counters — velocity, top-up targets and the
   * campaigns' populations — so a restart does not blind the rules that read them.
   */
  private async warm(): Promise<void> {
    const now = this.clock.now();
    const records = new Map<string, AccountRecord | null>();
    for await (const c of this.store.claims.scan({ from: now - 86_400_000, to: now + 1 })) {
      if (c.policyVersion === 'platform@1') continue;
      const input = {
        at: c.at,
        campaign: { id: c.campaignId } as never,
        channel: c.channel,
        account: { id: c.accountId, createdAt: c.accountCreatedAt, phone: c.phone, deviceId: c.deviceId, ip: c.ip, identityHashes: c.identityHash ? [c.identityHash] : [], identityVerified: c.identityVerified },
        code: c.codeId ? ({ codeId: c.codeId } as never) : null,
        challengePassed: false,
      };
      let record = records.get(c.accountId);
      if (record === undefined) {
        record = await this.store.accounts.get(c.accountId);
        if (records.size > 200_000) records.clear();
        records.set(c.accountId, record);
      }
      this.engine.replayClaim(input, c.decision, record);
    }
    // Then the orders of the same day: top-up targets' links, redemptions, cash-outs.
    for await (const o of this.store.rings.scanOrders({ from: now - 86_400_000, to: now + 1 })) {
      if (!o.coupons.length) continue;
      await this.engine.replayOrder({
        at: o.at,
        accountId: o.accountId,
        items: o.items.map((i) => ({ category: i.category, amountFen: i.unitPriceFen * i.quantity, topupTarget: i.topupTarget })),
        campaignIds: o.coupons.map((c) => c.campaignId),
        totalFen: o.totalFen,
        discountFen: o.discountFen,
      });
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
