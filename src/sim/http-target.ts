/**
 * The HTTP target: drives a running couponguard server through its public API only (the OpenAPI
 * contract under /v1), in real time. The server keeps its own wall clock, so the lab runs a window
 * of the scenario shifted to now: scenario time `t` happens at wall time `t + offset`. Every time
 * sent is shifted forward and every time read (alerts, pauses) shifted back.
 *
 * Keys: `client` for claims, orders and account events (the shop backend), `operator` for the
 * campaigns and the event's codes, `analyst` for ring detection (optional: without it the
 * classification is reported as not measured). An `admin` key may stand in for any missing one;
 * the lab then creates the missing keys through POST /v1/keys, as an administrator would.
 */
import type { CampaignInput } from '../core/campaigns/campaign.js';
import type { ClaimResult } from '../core/claims/claim.js';
import { LabError, type Classification, type DriverInfo, type LabAlert, type LabPause, type LabTarget } from './target.js';

export interface HttpKeys {
  readonly client?: string;
  readonly operator?: string;
  readonly analyst?: string;
  readonly admin?: string;
}

export interface HttpTargetOptions {
  readonly url: string;
  readonly keys: HttpKeys;
  /** First scenario time to replay; it happens now on the wall clock. */
  readonly from: number;
  /** What was left out of the scenario for this window (for the report). */
  readonly note: string;
  /** Map scenario minutes onto wall-clock minutes (default true; the run then starts at the next minute). */
  readonly alignMinutes?: boolean;
  /** How many requests to keep in flight for history (account events). */
  readonly concurrency?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const iso = (t: number) => new Date(t).toISOString();
const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Resolved {
  client: string;
  operator: string;
  analyst: string | null;
}

async function call(base: string, key: string, method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (e) {
    throw new LabError(`${method} ${base}${path}: ${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}`);
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

function expect2xx(r: { status: number; json: unknown }, what: string): unknown {
  if (r.status >= 200 && r.status < 300) return r.json;
  const e = r.json as { code?: string; message?: string } | null;
  throw new LabError(`${what}: HTTP ${r.status}${e?.code ? ` ${e.code}` : ''}${e?.message ? `: ${e.message}` : ''}`);
}

async function resolveKeys(base: string, k: HttpKeys): Promise<Resolved> {
  const made = async (role: 'client' | 'operator' | 'analyst'): Promise<string> => {
    if (!k.admin) throw new LabError(`--http needs a ${role} key (--${role === 'client' ? 'api' : role}-key or COUPONGUARD_${role === 'client' ? 'API' : role.toUpperCase()}_KEY), or an admin key to create one (--admin-key)`);
    const r = expect2xx(await call(base, k.admin, 'POST', '/v1/keys', { role, name: `replay lab ${role}` }), `creating a ${role} key`) as { key: string };
    return r.key;
  };
  return {
    client: k.client ?? (await made('client')),
    operator: k.operator ?? (await made('operator')),
    analyst: k.analyst ?? (k.admin ? await made('analyst') : null),
  };
}

/** Connects to the server (health check, keys) and returns the target; the window starts now. */
export async function httpTarget(o: HttpTargetOptions): Promise<LabTarget> {
  const base = o.url.replace(/\/+$/, '');
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? defaultSleep;
  let health: { status: number; json: unknown };
  try {
    health = await call(base, 'x'.repeat(10), 'GET', '/health');
  } catch (e) {
    throw new LabError(`no couponguard server at ${base}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (health.status !== 200) throw new LabError(`no couponguard server at ${base}: GET /health answered ${health.status}`);
  const keys = await resolveKeys(base, o.keys);
  // History takes wall time before the window opens: `begin()` anchors the window again.
  let offset = now() - o.from;
  const toWall = (t: number) => t + offset;
  const fromWall = (t: number) => t - offset;
  let maxLagMs = 0;
  const client = (method: 'GET' | 'POST', path: string, body?: unknown, headers?: Record<string, string>) => call(base, keys.client, method, path, body, headers);
  const operator = (method: 'GET' | 'POST', path: string, body?: unknown) => call(base, keys.operator, method, path, body);

  const sendEvent = async (e: Parameters<LabTarget['accountEvent']>[0]) => {
    const { at, ...rest } = e;
    expect2xx(await client('POST', '/v1/events', at === undefined ? rest : { ...rest, at: iso(toWall(at)) }), `account event ${e.type} ${e.accountId}`);
  };

  return {
    from: o.from,
    // Real time is short: look at alerts and pauses every 2 s.
    sliceMs: 2_000,
    begin: async () => {
      // Scenario minutes fall on wall-clock minutes, as they do in process: the monitor counts per
      // minute, and an event announced from 20:00 must start at a minute's start (waits < 60 s).
      offset = o.alignMinutes === false ? now() - o.from : Math.ceil((now() - o.from) / 60_000) * 60_000;
    },
    at: async (t) => {
      const wait = toWall(t) - now();
      if (wait > 0) await sleep(wait);
      else maxLagMs = Math.max(maxLagMs, -wait);
    },
    endSlice: async (t) => {
      const wait = toWall(t) - now();
      if (wait > 0) await sleep(wait);
    },
    createCampaign: async (c: CampaignInput) => {
      const { startsAt, endsAt, monitor, ...rest } = c;
      const body = {
        ...rest,
        startsAt: iso(toWall(startsAt)),
        endsAt: iso(toWall(endsAt)),
        ...(monitor ? { monitor: { ...monitor, expectedSurges: monitor.expectedSurges?.map((x) => ({ ...x, startsAt: iso(toWall(x.startsAt)), endsAt: iso(toWall(x.endsAt)) })) } } : {}),
      };
      const r = expect2xx(await operator('POST', '/v1/campaigns', body), `creating campaign ${c.name}`) as { id: string; couponType?: string };
      return { id: r.id, couponType: r.couponType ?? r.id };
    },
    issueCodes: async (campaignId, event, count, expiresAt) => {
      const codes: string[] = [];
      let batchId = '';
      // The API issues up to 10,000 codes per request: one batch per 10,000.
      for (let left = count; left > 0; left -= 10_000) {
        const r = expect2xx(await operator('POST', `/v1/campaigns/${campaignId}/code-batches`, { event, count: Math.min(10_000, left), useLimit: 1, expiresAt: iso(toWall(expiresAt)) }), 'issuing codes') as {
          batch: { id: string };
          codes: { text: string }[];
        };
        batchId ||= r.batch.id;
        codes.push(...r.codes.map((c) => c.text));
      }
      // The key id is in the code's clear payload (CG1.<payload>.<sig>), as anyone holding a code can read.
      const payload = JSON.parse(Buffer.from(codes[0]?.split('.')[1] ?? '', 'base64url').toString('utf8') || '{}') as { k?: string };
      return { batchId, keyId: payload.k ?? 'k1', codes };
    },
    claim: async (req, key) => {
      const { createdAt, ...account } = req.account;
      const body = { ...req, account: createdAt === undefined ? account : { ...account, createdAt: iso(toWall(createdAt)) } };
      const r = expect2xx(await client('POST', '/v1/claims', body, { 'idempotency-key': key }), `claim by ${req.account.id}`) as ClaimResult & { challenge?: { expiresAt: unknown } };
      return r.challenge ? { ...r, challenge: { ...r.challenge, expiresAt: fromWall(Date.parse(String(r.challenge.expiresAt))) } } : r;
    },
    placeOrder: async (req, key) => {
      const r = expect2xx(await client('POST', '/v1/orders', req, { 'idempotency-key': key }), `order by ${req.accountId}`) as { orderId: string; status: string; discountFen: number };
      return { orderId: r.orderId, status: r.status, discountFen: r.discountFen };
    },
    fulfil: async (orderId) => {
      expect2xx(await client('POST', `/v1/orders/${orderId}/fulfil`, {}), `fulfilling ${orderId}`);
    },
    accountEvent: sendEvent,
    accountEvents: async (es) => {
      let next = 0;
      const worker = async () => {
        while (next < es.length) await sendEvent(es[next++]!);
      };
      await Promise.all(Array.from({ length: o.concurrency ?? 8 }, worker));
    },
    alerts: async () => {
      const r = expect2xx(await operator('GET', '/v1/alerts?limit=200'), 'reading alerts') as { items: (Omit<LabAlert, 'firstAt' | 'lastAt'> & { firstAt: string; lastAt: string })[] };
      return r.items.map((a) => ({ ...a, firstAt: fromWall(Date.parse(a.firstAt)), lastAt: fromWall(Date.parse(a.lastAt)) }));
    },
    pauses: async (): Promise<LabPause[]> => {
      const r = expect2xx(await operator('GET', '/v1/pauses'), 'reading pauses') as { items: { kind: string; value: string; pausedAt: string }[] };
      return r.items.map((p) => ({ kind: p.kind, value: p.value, pausedAt: fromWall(Date.parse(p.pausedAt)) }));
    },
    pausedCampaigns: async () => {
      const r = expect2xx(await operator('GET', '/v1/campaigns?state=paused&limit=999'), 'reading paused campaigns') as { items: { id: string; updatedAt: string }[] };
      return r.items.map((c) => ({ id: c.id, at: fromWall(Date.parse(c.updatedAt)) }));
    },
    orderStatus: async (id) => {
      const r = await client('GET', `/v1/orders/${id}`);
      return r.status === 404 ? null : (expect2xx(r, `reading order ${id}`) as { status: string }).status;
    },
    classify: async (from, to, campaignId): Promise<Classification> => {
      if (!keys.analyst) return { ok: false, note: 'no analyst key (--analyst-key or --admin-key): ring detection not run' };
      const run = await call(base, keys.analyst, 'POST', '/v1/rings/runs', { from: iso(toWall(from)), to: iso(Math.min(toWall(to), now() + 1)), wait: true });
      if (run.status !== 201) return { ok: false, note: `ring detection refused: HTTP ${run.status} ${JSON.stringify(run.json)}` };
      const rv = run.json as { id: string; stats?: { rings?: number; ringAccounts?: number } };
      const c = await call(base, keys.analyst, 'GET', `/v1/rings/classes/${campaignId}?limit=999999`);
      if (c.status !== 200) return { ok: false, note: `classification refused: HTTP ${c.status} ${JSON.stringify(c.json)}` };
      const items = (c.json as { items: { accountId: string; class: string }[] }).items;
      return {
        ok: true,
        note: `detection run ${rv.id}: ${rv.stats?.rings ?? 0} rings, ${rv.stats?.ringAccounts ?? 0} accounts; claimants of ${campaignId}`,
        classOf: new Map(items.map((i) => [i.accountId, i.class])),
      };
    },
    info: (): DriverInfo => ({ kind: 'http', url: base, clock: 'real', windowFrom: iso(o.from), note: o.note, maxLagMs }),
    close: async () => {},
  };
}
