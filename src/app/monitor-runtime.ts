import { signWebhook, SIGNATURE_HEADER } from '../adapters/node/webhook-signature.js';
import type { Campaign, CampaignUsage } from '../core/campaigns/campaign.js';
import { changeCampaignState } from '../core/campaigns/use-cases.js';
import type { CoreDeps } from '../core/deps.js';
import { dedupKeyOf } from '../core/monitor/alerts.js';
import { Monitor, type Finding, type MonitorOptions } from '../core/monitor/monitor.js';
import { isFullValueCashout } from '../core/risk/population.js';
import type { CampaignId } from '../core/shared/ids.js';
import { nextTurn } from './next-turn.js';

/** Claims or orders read per page of a look (see ingest). */
const INGEST_PAGE = 500;

export interface MonitorRuntimeOptions extends MonitorOptions {
  /** How often the monitor looks (real time); 0 = only when `tick()` is called (tests, replay lab). */
  readonly tickMs?: number;
  readonly log?: (msg: string, data: Record<string, unknown>) => void;
  /** Webhook attempts before a delivery is dead-lettered. */
  readonly maxAttempts?: number;
  /**
   * Other detectors to start on each tick once its alerts are out (e.g. online ring detection; each
   * rations itself and never overlaps itself). Once `start()`ed they run in the background, so a
   * long run never delays the next tick's alerts; a tick called by hand (tests, the replay lab, the
   * CLI) awaits them, so a run on a virtual clock is deterministic.
   */
  readonly detectors?: readonly ((now: number) => Promise<unknown>)[];
}

const MONITOR_ACTOR = 'monitor';
const BACKOFF_MS = (attempt: number) => Math.min(300_000, 1_000 * 2 ** (attempt - 1));

/**
 * Runs the monitor against the store: tails the claim and order logs (so every process sees the
 * traffic of all processes sharing the store), evaluates, raises deduplicated alerts, applies the
 * circuit breaker and delivers webhooks with retries. One tick does all of it; `start()` ticks
 * every second.
 */
export class MonitorRuntime {
  readonly monitor: Monitor;
  private claimSeq = 0;
  private orderSeq = 0;
  private readonly campaigns = new Map<string, Campaign>();
  private campaignsAt = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<Finding[]> | null = null;
  private detecting: Promise<unknown> = Promise.resolve();
  /** The findings of the last tick (for /metrics and the API). */
  last: readonly Finding[] = [];

  constructor(
    private readonly d: CoreDeps,
    private readonly opts: MonitorRuntimeOptions = {},
  ) {
    this.monitor = new Monitor(opts);
  }

  start(): void {
    const ms = this.opts.tickMs ?? 1_000;
    if (ms <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.tick().catch((e: unknown) => this.opts.log?.('monitor tick failed', { err: String(e) })), ms);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
    await this.detecting;
  }

  /** One look: ingest what is new, evaluate, act, deliver. Ticks never overlap. */
  tick(): Promise<Finding[]> {
    this.running ??= this.tickOnce().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async tickOnce(): Promise<Finding[]> {
    const now = this.d.clock.now();
    await this.refreshCampaigns(now);
    await this.ingest();
    const usage = new Map<string, CampaignUsage>();
    for (const c of this.campaigns.values()) if (c.monitor?.budgetAlertPercent !== undefined) usage.set(c.id, await this.d.store.campaigns.usage(c.id));
    const findings = this.monitor.evaluate(now, this.liveCampaigns(), usage);
    for (const f of findings) await this.act(f, now);
    await this.deliver(now);
    this.last = findings;
    const detectors = Promise.all((this.opts.detectors ?? []).map((run) => run(now).catch((e: unknown) => this.opts.log?.('detector failed', { err: String(e) }))));
    this.detecting = detectors;
    if (!this.timer) await detectors;
    return findings;
  }

  private liveCampaigns(): Map<string, Campaign> {
    return new Map([...this.campaigns].filter(([, c]) => c.state !== 'ended' && c.state !== 'draft'));
  }

  private async refreshCampaigns(now: number): Promise<void> {
    if (now - this.campaignsAt < 5_000) return;
    this.campaignsAt = now;
    let after: string | undefined;
    for (;;) {
      const page = await this.d.store.campaigns.list({ limit: 500, after });
      for (const c of page.items) this.campaigns.set(c.id, c);
      if (!page.next) break;
      after = page.next;
    }
  }

  private async campaign(id: string): Promise<Campaign | null> {
    let c = this.campaigns.get(id);
    if (!c) {
      const got = await this.d.store.campaigns.get(id as CampaignId);
      if (got) this.campaigns.set(id, (c = got));
    }
    return c ?? null;
  }

  private async ingest(): Promise<void> {
    // On the first look, start at the history the baselines use (a week and a day), not at the
    // beginning of time.
    if (this.claimSeq === 0) this.claimSeq = await this.d.store.claims.seqBefore(this.d.clock.now() - 8 * 86_400_000);
    // Small pages, and a turn of the event loop between them: at 7,000 claims a second one look
    // reads thousands of claims (~10 µs each), and in one piece that held the serving thread — and
    // every claim waiting on it — for ~60 ms a second (bench:claims with the monitor running).
    for (;;) {
      const rows = await this.d.store.claims.tailSummaries(this.claimSeq, INGEST_PAGE);
      for (const { seq, claim: r } of rows) {
        this.claimSeq = seq;
        const c = await this.campaign(r.campaignId);
        if (c) this.monitor.ingestClaim({ ...r, reason: r.reasons[0]?.code ?? null }, c);
      }
      if (rows.length < INGEST_PAGE) break;
      await nextTurn();
    }
    for (;;) {
      const rows = await this.d.store.orders.tailPlaced(this.orderSeq, INGEST_PAGE);
      for (const { seq, order } of rows) {
        this.orderSeq = seq;
        const cashout = isFullValueCashout(order);
        for (const a of order.coupons) {
          const c = await this.campaign(a.campaignId);
          if (c) this.monitor.ingestRedemption(order.at, c, null, a.discountFen, cashout);
        }
      }
      if (rows.length < INGEST_PAGE) break;
      await nextTurn();
    }
  }

  private async act(f: Finding, now: number): Promise<void> {
    const { created, alert } = await this.d.store.monitoring.raise(
      { dedupKey: dedupKeyOf(f), rule: f.rule, scopeKind: f.scope.kind, scopeValue: f.scope.value, severity: f.severity, title: f.title, firstAt: now, evidence: f.evidence },
      this.d.ids.next('alert'),
      now,
    );
    if (!created) return;
    this.opts.log?.('alert', { id: alert.id, rule: f.rule, scope: f.scope, title: f.title });
    if (!f.autoPause) return;
    const note = `automatic: alert ${alert.id} (${f.rule})`;
    let action: string;
    if (f.scope.kind === 'campaign') {
      const r = await changeCampaignState(this.d, f.scope.value as CampaignId, 'pause', MONITOR_ACTOR, note);
      action = r.ok ? `paused campaign ${f.scope.value}` : `could not pause campaign ${f.scope.value}: ${r.error.message}`;
    } else if (f.scope.kind === 'type' || f.scope.kind === 'channel') {
      const kind = f.scope.kind;
      await this.d.store.monitoring.pause(kind, f.scope.value, note, now, { actor: MONITOR_ACTOR, action: `${kind}.pause`, target: f.scope.value, details: { note } });
      action = `paused ${kind === 'type' ? 'coupon type' : 'channel'} ${f.scope.value}`;
    } else return;
    await this.d.store.monitoring.setAction(alert.id, action);
    this.opts.log?.('circuit breaker', { alert: alert.id, action });
  }

  private async deliver(now: number): Promise<void> {
    const due = await this.d.store.monitoring.dueDeliveries(now, 50);
    if (!due.length) return;
    const endpoints = new Map((await this.d.store.monitoring.listEndpoints()).map((e) => [e.id, e]));
    const max = this.opts.maxAttempts ?? 6;
    await Promise.all(
      due.map(async (dl) => {
        // Another process may be sending the same delivery: only the one holding the lease sends.
        if (!(await this.d.store.monitoring.leaseDelivery(dl.id, dl.nextAt, now + 30_000))) return;
        const ep = endpoints.get(dl.endpointId);
        if (!ep || ep.disabledAt !== null) return this.d.store.monitoring.markFailed(dl.id, 'endpoint disabled', null);
        let error: string | null = null;
        try {
          const res = await fetch(ep.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhook(ep.secret, dl.body, now) },
            body: dl.body,
            signal: AbortSignal.timeout(5_000),
          });
          if (!res.ok) error = `HTTP ${res.status}`;
          await res.body?.cancel();
        } catch (e) {
          error = e instanceof Error ? e.message : String(e);
        }
        if (error === null) return this.d.store.monitoring.markDelivered(dl.id, now);
        const attempts = dl.attempts + 1;
        return this.d.store.monitoring.markFailed(dl.id, error, attempts >= max ? null : now + BACKOFF_MS(attempts));
      }),
    );
  }
}
