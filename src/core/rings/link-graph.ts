/**
 * The account link graph: accounts on one side, the things they share on the other (identity
 * hash, phone, device, IP and /24, runs of consecutive phone numbers, shipping address, payment
 * instrument, top-up target, claim code, products bought, and "lockstep" slots — the same
 * campaign claimed in the same ten minutes, after CopyCatch and SynchroTrap).
 *
 * Facts stream in (claims, orders, account events) and are kept as typed columns; `build()` drops
 * things only one account has (they link nobody), computes phone runs, and returns the weighted
 * bipartite graph plus the ledgers a ring report needs (claims and orders per account).
 */
import type { AccountEvent } from '../accounts/account.js';
import type { ClaimRecord } from '../claims/claim.js';
import type { Order } from '../orders/order.js';
import { network } from '../risk/signals.js';
import { bipartiteFromEdges, type Bipartite } from './bipartite.js';
import { FloatColumn, IntColumn, Interner } from './growable.js';
import { KIND_PRIOR, THING_KINDS, type ThingKind } from './kinds.js';
import { phoneRuns } from './phone-runs.js';

export const LOCKSTEP_WINDOW_MS = 10 * 60_000;

const CASHOUT = new Set(['virtual_topup', 'game_currency', 'gift_card']);

export interface LinkGraph {
  readonly graph: Bipartite;
  /** Row i is account `accounts[i]`. */
  readonly accounts: readonly string[];
  /** Column j is the thing `thingKind[j]`/`thingValue[j]`. */
  readonly thingKind: readonly ThingKind[];
  readonly thingValue: readonly string[];
  /** First and last time each account was seen in any fact. */
  readonly firstSeen: Float64Array;
  readonly lastSeen: Float64Array;
  readonly claims: ClaimLedger;
  readonly orders: OrderLedger;
  readonly campaigns: readonly string[];
  /** Things dropped because a single account had them. */
  readonly droppedThings: number;
  /**
   * Each account's evidence on things nobody else has (its own device, phone, ...): not in the
   * graph, but part of how much the account does, so that shares are not inflated by pruning.
   */
  readonly privateEvidence: Float64Array;
}

/** One entry per claim attempt, by account row. */
export interface ClaimLedger {
  readonly account: Int32Array;
  readonly campaign: Int32Array;
  readonly granted: Int32Array;
  readonly faceValueFen: Float64Array;
  readonly at: Float64Array;
}

/** One entry per order, by account row. */
export interface OrderLedger {
  readonly account: Int32Array;
  readonly discountFen: Float64Array;
  readonly cashoutFen: Float64Array;
  readonly at: Float64Array;
}

/** Optional order fields some shops send (not part of our order model yet). */
interface OrderExtras {
  readonly shippingAddress?: unknown;
  readonly paymentInstrument?: unknown;
}

export class LinkGraphBuilder {
  private readonly accounts = new Interner();
  private readonly things = new Interner();
  private readonly campaignIds = new Interner();
  private readonly src = new IntColumn(1 << 16);
  private readonly dst = new IntColumn(1 << 16);
  private readonly first = new FloatColumn(1 << 12);
  private readonly last = new FloatColumn(1 << 12);
  private readonly phones = new Map<string, Set<number>>();
  private readonly claimCols = { account: new IntColumn(), campaign: new IntColumn(), granted: new IntColumn(), fen: new FloatColumn(), at: new FloatColumn() };
  private readonly orderCols = { account: new IntColumn(), discount: new FloatColumn(), cashout: new FloatColumn(), at: new FloatColumn() };

  /** The row of an account, created on first sight. */
  account(id: string, at: number): number {
    const i = this.accounts.id(id);
    if (i === this.first.length) {
      this.first.push(at);
      this.last.push(at);
    } else {
      if (at < this.first.get(i)) this.first.view()[i] = at;
      if (at > this.last.get(i)) this.last.view()[i] = at;
    }
    return i;
  }

  /** Records that the account (a row from `account`) has the thing. */
  link(row: number, kind: ThingKind, value: string): void {
    if (kind === 'phone') this.notePhone(row, value);
    this.src.push(row);
    this.dst.push(this.things.id(`${kind}\u0000${value}`));
  }

  /** The generic entry: any fact a shop or a test supplies. */
  add(accountId: string, kind: ThingKind, value: string, at: number): void {
    this.link(this.account(accountId, at), kind, value);
  }

  private notePhone(row: number, phone: string): void {
    let s = this.phones.get(phone);
    if (!s) this.phones.set(phone, (s = new Set()));
    s.add(row);
  }

  private contact(row: number, f: { phone?: string | null; deviceId?: string | null; ip?: string | null; identityHash?: string | null }): void {
    if (f.phone) this.link(row, 'phone', f.phone);
    if (f.deviceId) this.link(row, 'device', f.deviceId);
    if (f.ip) {
      this.link(row, 'ip', f.ip);
      this.link(row, 'ip24', network(f.ip));
    }
    if (f.identityHash) this.link(row, 'identity', f.identityHash);
  }

  addClaim(c: ClaimRecord): void {
    const row = this.account(c.accountId, c.at);
    this.contact(row, c);
    if (c.codeId) this.link(row, 'code', c.codeId);
    // Two grids half a window apart: any two claims within half a window share a slot.
    const w = LOCKSTEP_WINDOW_MS;
    this.link(row, 'lockstep', `${c.campaignId}:a:${Math.floor(c.at / w)}`);
    this.link(row, 'lockstep', `${c.campaignId}:b:${Math.floor((c.at + w / 2) / w)}`);
    const cc = this.claimCols;
    cc.account.push(row);
    cc.campaign.push(this.campaignIds.id(c.campaignId));
    cc.granted.push(c.couponId !== null ? 1 : 0);
    cc.fen.push(c.faceValueFen);
    cc.at.push(c.at);
  }

  addOrder(o: Order): void {
    const row = this.account(o.accountId, o.at);
    this.contact(row, o);
    let cashout = 0;
    for (const it of o.items) {
      this.link(row, 'product', it.sku);
      if (it.topupTarget) this.link(row, 'target', it.topupTarget);
      if (CASHOUT.has(it.category)) cashout += it.unitPriceFen * it.quantity;
    }
    const extra = o as Order & OrderExtras;
    if (typeof extra.shippingAddress === 'string' && extra.shippingAddress) this.link(row, 'address', extra.shippingAddress);
    if (typeof extra.paymentInstrument === 'string' && extra.paymentInstrument) this.link(row, 'payment', extra.paymentInstrument);
    const oc = this.orderCols;
    oc.account.push(row);
    oc.discount.push(o.status === 'rejected' ? 0 : o.discountFen);
    oc.cashout.push(o.status === 'rejected' ? 0 : cashout);
    oc.at.push(o.at);
  }

  addEvent(e: AccountEvent): void {
    this.contact(this.account(e.accountId, e.at), e);
  }

  get edgeCount(): number {
    return this.src.length;
  }

  build(): LinkGraph {
    for (const run of phoneRuns(this.phones.keys()))
      for (const p of run.phones) for (const row of this.phones.get(p) ?? []) this.link(row, 'phone_run', run.key);
    const rows = this.accounts.size;
    // Keep things at least two distinct accounts share.
    const raw = bipartiteFromEdges(rows, this.things.size, this.src.view(), this.dst.view(), this.src.length);
    const keep = new Int32Array(this.things.size).fill(-1);
    const dropPrior = new Float64Array(this.things.size);
    const thingKind: ThingKind[] = [];
    const thingValue: string[] = [];
    for (let j = 0; j < this.things.size; j++) {
      const key = this.things.values[j]!;
      const cut = key.indexOf('\u0000');
      const kind = key.slice(0, cut) as ThingKind;
      if (raw.colPtr[j + 1]! - raw.colPtr[j]! < 2) {
        dropPrior[j] = KIND_PRIOR[kind];
        continue;
      }
      keep[j] = thingKind.length;
      thingKind.push(kind);
      thingValue.push(key.slice(cut + 1));
    }
    let E = 0;
    for (let e = 0; e < raw.rowAdj.length; e++) if (keep[raw.rowAdj[e]!]! >= 0) E++;
    const s = new Int32Array(E);
    const d = new Int32Array(E);
    const privateEvidence = new Float64Array(rows);
    let k = 0;
    for (let i = 0; i < rows; i++)
      for (let e = raw.rowPtr[i]!; e < raw.rowPtr[i + 1]!; e++) {
        const j = keep[raw.rowAdj[e]!]!;
        if (j < 0) {
          privateEvidence[i] = privateEvidence[i]! + dropPrior[raw.rowAdj[e]!]!;
          continue;
        }
        s[k] = i;
        d[k++] = j;
      }
    const graph = bipartiteFromEdges(rows, thingKind.length, s, d, E, (j) => KIND_PRIOR[thingKind[j]!]);
    const cc = this.claimCols;
    const oc = this.orderCols;
    return {
      graph,
      accounts: this.accounts.values,
      thingKind,
      thingValue,
      firstSeen: this.first.view(),
      lastSeen: this.last.view(),
      claims: { account: cc.account.view(), campaign: cc.campaign.view(), granted: cc.granted.view(), faceValueFen: cc.fen.view(), at: cc.at.view() },
      orders: { account: oc.account.view(), discountFen: oc.discount.view(), cashoutFen: oc.cashout.view(), at: oc.at.view() },
      campaigns: this.campaignIds.values,
      droppedThings: this.things.size - thingKind.length,
      privateEvidence,
    };
  }
}

export const isThingKind = (k: string): k is ThingKind => (THING_KINDS as readonly string[]).includes(k);
