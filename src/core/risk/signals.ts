/**
 * The signals rules can read, declared once: the CEL environment, the docs and the computation
 * all come from this table. Numbers are `double` (CEL compares them with int literals; write
 * `1.0` in arithmetic). Velocity signals are named `velocity.<entity>_<metric>_<window>`, e.g.
 * `velocity.device_claims_10m` or `velocity.ip24_accounts_1h`; only those a policy reads are
 * computed for a decision.
 */
import type { LinkKind, VelocityEntity, VelocityMetric, WindowName } from '../../ports/counters.js';

export type SignalType = 'double' | 'bool' | 'string';
export type SignalValue = number | boolean | string;

interface SignalDoc {
  readonly type: SignalType;
  readonly doc: string;
}

const ENTITIES: readonly VelocityEntity[] = ['account', 'device', 'ip', 'ip24', 'segment', 'identity', 'code', 'campaign', 'target'];
const METRICS: readonly VelocityMetric[] = ['claims', 'grants', 'denials', 'accounts'];
const WINDOW_NAMES: readonly WindowName[] = ['1m', '10m', '1h', '24h'];
const LINKS: readonly LinkKind[] = ['identity', 'phone', 'device', 'ip', 'ip24', 'target'];

const ENTITY_DOC: Record<VelocityEntity, string> = {
  account: 'this account',
  device: 'this device id',
  ip: 'this IP address',
  ip24: 'this IPv4 /24 (IPv6 /48) network',
  segment: "this phone's 7-digit segment",
  identity: "this account's identity hash",
  code: 'this claim code',
  campaign: 'this campaign',
  target: 'this top-up target (orders)',
};
const METRIC_DOC: Record<VelocityMetric, string> = {
  claims: 'attempts',
  grants: 'grants',
  denials: 'denials',
  accounts: 'distinct accounts attempting',
};

function velocitySchema(): Record<string, SignalDoc> {
  const out: Record<string, SignalDoc> = {};
  for (const e of ENTITIES)
    for (const m of METRICS) for (const w of WINDOW_NAMES) out[`${e}_${m}_${w}`] = { type: 'double', doc: `${METRIC_DOC[m]} on ${ENTITY_DOC[e]} in the last ${w}` };
  return out;
}

/** Every variable a rule may use, by group. */
export const SIGNALS = {
  claim: {
    channel: { type: 'string', doc: 'app, web, mini_program, offline_event or api' },
    has_code: { type: 'bool', doc: 'a verified platform code came with the claim' },
    challenge_passed: { type: 'bool', doc: 'the client answered a challenge for this claim' },
  },
  campaign: {
    id: { type: 'string', doc: 'campaign id' },
    special: { type: 'bool', doc: 'special (event-only, high-value) coupon type' },
    locked: { type: 'bool', doc: 'channel-locked to offline_event' },
    face_value_fen: { type: 'double', doc: 'face value of one coupon, fen' },
    no_threshold: { type: 'bool', doc: 'the coupon needs no minimum spend (a fixed amount off anything: cash-like)' },
    thin_claims_1h: { type: 'double', doc: 'claims of this campaign by thin accounts (see account.thin) in the last hour, this one not included' },
    thin_share_1h: { type: 'double', doc: "thin accounts' share of this campaign's claims in the last hour (0..1), this one not included" },
    thin_share_24h_all: { type: 'double', doc: "thin accounts' share of all claims on the platform in the last 24 h, smoothed as (thin + 1) ÷ (all + 2): the baseline for thin_share_1h" },
    cashout_redemptions_24h: { type: 'double', doc: "orders in the last 24 h that spent this campaign's coupons on virtual top-ups, game currency or gift cards, the coupon paying ≥ 80 % of the order" },
    cashout_share_24h: { type: 'double', doc: "cashout_redemptions_24h ÷ every order that spent this campaign's coupons in the last 24 h (0 when none)" },
    shared_target_redemptions_24h: { type: 'double', doc: 'those of them whose top-up target another account had topped up too' },
  },
  account: {
    known: { type: 'bool', doc: 'the shop told us about this account before (events)' },
    age_hours: { type: 'double', doc: 'hours since the account was created; -1 when unknown' },
    verified: { type: 'bool', doc: 'real-name identity verified' },
    has_identity: { type: 'bool', doc: 'an identity hash is known for the account' },
    purchases: { type: 'double', doc: 'purchases recorded through events' },
    purchase_fen: { type: 'double', doc: 'value of those purchases, fen' },
    logins: { type: 'double', doc: 'logins recorded through events' },
    ring_member: { type: 'bool', doc: 'a member of a ring flagged by the current ring-detection run' },
    ring_score: { type: 'double', doc: "that ring's score (log-likelihood ratio against chance); 0 when not a member" },
    ring_linked: { type: 'bool', doc: 'shares a phone, device, identity or a number inside a phone run with a flagged ring' },
    identity_fresh: { type: 'bool', doc: 'the shop reported this account (registration) but never with the identity this claim brings (a bought identity arrives this way)' },
    thin: { type: 'bool', doc: 'identity_fresh, or the account is younger than 7 days' },
  },
  links: Object.fromEntries(LINKS.map((k) => [`${k}_accounts`, { type: 'double', doc: `distinct accounts ever seen with the same ${k}` }])) as Record<string, SignalDoc>,
  phone: {
    present: { type: 'bool', doc: 'a phone number came with the claim' },
    carrier: { type: 'string', doc: 'china_mobile, china_unicom, china_telecom, china_broadnet, virtual, iot or unknown' },
    virtual: { type: 'bool', doc: 'virtual-operator range (162/165/167/170/171)' },
    iot: { type: 'bool', doc: 'IoT / data-only range' },
    segment_run: { type: 'double', doc: 'numbers in a near-consecutive run in this 7-digit segment that claimed this campaign in 24 h (this one included)' },
  },
  velocity: velocitySchema(),
  order: {
    total_fen: { type: 'double', doc: 'order total, fen' },
    discount_fen: { type: 'double', doc: 'coupon discount on the order, fen' },
    coupon_ratio: { type: 'double', doc: 'discount ÷ total (0..1)' },
    cashout: { type: 'bool', doc: 'has a virtual top-up, game currency or gift card item' },
    cashout_fen: { type: 'double', doc: 'value of those items, fen' },
    has_target: { type: 'bool', doc: 'has a top-up target' },
    target_accounts: { type: 'double', doc: 'distinct accounts that ever topped up the same target (max over targets)' },
    seconds_since_claim: { type: 'double', doc: 'seconds from the earliest coupon grant to this order; -1 without coupon' },
    special_coupon: { type: 'bool', doc: 'a coupon of a special campaign is applied' },
  },
} as const satisfies Record<string, Record<string, SignalDoc>>;

export type SignalGroup = keyof typeof SIGNALS;
export type SignalValues = { -readonly [G in SignalGroup]?: Record<string, SignalValue> };

export const parseVelocityName = (name: string): { entity: VelocityEntity; metric: VelocityMetric; window: WindowName } | null => {
  const m = /^([a-z0-9]+)_([a-z]+)_(1m|10m|1h|24h)$/.exec(name);
  if (!m || !ENTITIES.includes(m[1] as VelocityEntity) || !METRICS.includes(m[2] as VelocityMetric)) return null;
  return { entity: m[1] as VelocityEntity, metric: m[2] as VelocityMetric, window: m[3] as WindowName };
};

/** `group.name` paths an expression reads (a conservative scan: extra names only cost a lookup). */
export function referencedSignals(expr: string): string[] {
  const out = new Set<string>();
  for (const m of expr.matchAll(/\b(claim|campaign|account|links|phone|velocity|order)\.([a-z0-9_]+)/g)) out.add(`${m[1]}.${m[2]}`);
  return [...out];
}

/** The /24 of an IPv4 address, the /48 of an IPv6 one. */
export function network(ip: string): string {
  // Up to the third separator (the whole address when it has fewer): runs once per claim and
  // outcome, so without the arrays of split/slice/join.
  const sep = ip.includes('.') ? '.' : ':';
  let i = -1;
  for (let k = 0; k < 3; k++) {
    i = ip.indexOf(sep, i + 1);
    if (i < 0) return ip;
  }
  return ip.slice(0, i);
}
