import type { ClaimRecord } from '../claims/claim.js';
import { maskHash, maskIp, maskPhone } from '../identity/mask.js';
import type { Order } from '../orders/order.js';
import type { AggregateRow } from '../../ports/incidents.js';
import type { IncidentAggregates, Trace, TraceChain, TraceOrder } from './trace.js';

/**
 * Personal data in traces, aggregates and evidence (phones, IPs, identity hashes, phone top-up
 * targets) is masked unless the reader's role may see it (`clear`).
 */
export const maskTarget = (t: string | null, clear: boolean): string | null => (t && !clear && t.startsWith('phone:') ? `phone:${maskPhone(t.slice(6))}` : t);
export const maskAddress = (ip: string | null, clear: boolean): string | null => (ip && !clear ? maskIp(ip) : ip);

export const maskOrder = (o: Order, clear: boolean): Order =>
  clear ? o : { ...o, ip: maskAddress(o.ip, false), items: o.items.map((i) => ({ ...i, topupTarget: maskTarget(i.topupTarget, false) })) };

export const maskClaim = (c: ClaimRecord, clear: boolean): ClaimRecord =>
  clear
    ? c
    : {
        ...c,
        phone: c.phone ? maskPhone(c.phone) : null,
        ip: maskAddress(c.ip, false),
        identityHash: c.identityHash ? maskHash(c.identityHash) : null,
      };

const maskTraceOrder = (o: TraceOrder, clear: boolean): TraceOrder => ({ ...o, order: maskOrder(o.order, clear) });

export const maskChain = (c: TraceChain, clear: boolean): TraceChain => ({
  ...c,
  claim: c.claim ? maskClaim(c.claim, clear) : null,
  orders: c.orders.map((o) => maskTraceOrder(o, clear)),
});

export const maskTrace = (t: Trace, clear: boolean): Trace =>
  clear
    ? t
    : {
        ...t,
        subject: t.subject.kind === 'target' ? { ...t.subject, id: maskTarget(t.subject.id, false)! } : t.subject,
        chains: t.chains.map((c) => maskChain(c, false)),
        otherOrders: t.otherOrders.map((o) => maskTraceOrder(o, false)),
      };

/**
 * Aggregates for roles that may not see personal data: targets and networks by their masked key.
 * Rows whose masked keys coincide (two /24s of one /16, two phones with the same prefix and
 * suffix) are merged, so each key appears once; `accounts` is then a sum over the merged rows.
 */
export function maskAggregates(a: IncidentAggregates, clear: boolean): IncidentAggregates {
  if (clear) return a;
  const merge = (rows: readonly AggregateRow[], f: (k: string) => string): AggregateRow[] => {
    const by = new Map<string, AggregateRow>();
    for (const r of rows) {
      const key = f(r.key);
      const cur = by.get(key);
      by.set(
        key,
        cur
          ? { key, orders: cur.orders + r.orders, accounts: cur.accounts + r.accounts, discountFen: cur.discountFen + r.discountFen, frozen: cur.frozen + r.frozen, fulfilled: cur.fulfilled + r.fulfilled }
          : { ...r, key },
      );
    }
    return [...by.values()].sort((x, y) => y.orders - x.orders || x.key.localeCompare(y.key));
  };
  return {
    ...a,
    target: merge(a.target, (k) => maskTarget(k, false)!),
    network: merge(a.network, (k) => (k === 'unknown' ? k : maskIp(k.replace(/\/\d+$/, '')))),
  };
}
