/** Block and allow lists: an analyst's explicit word about an entity, with expiry and a reason. */
export const LIST_KINDS = ['account', 'device', 'ip', 'cidr', 'phone', 'segment', 'identity', 'target'] as const;
export type ListKind = (typeof LIST_KINDS)[number];
export type ListName = 'block' | 'allow';

export interface ListEntry {
  readonly id: number;
  readonly list: ListName;
  readonly kind: ListKind;
  /** cidr: "10.1.2.0/24"; segment: a phone prefix of 3–10 digits; identity: an identity hash. */
  readonly value: string;
  readonly reason: string;
  readonly expiresAt: number | null;
  readonly createdAt: number;
  readonly createdBy: string;
}

export interface ListProbe {
  readonly accountId: string | null;
  readonly deviceId: string | null;
  readonly ip: string | null;
  readonly phone: string | null;
  readonly identityHashes: readonly string[];
  readonly targets: readonly string[];
}

function ipv4ToInt(ip: string): number | null {
  const p = ip.split('.');
  if (p.length !== 4) return null;
  let n = 0;
  for (const x of p) {
    const v = Number(x);
    if (!Number.isInteger(v) || v < 0 || v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

export function cidrContains(cidr: string, ip: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const b = ipv4ToInt(base ?? '');
  const a = ipv4ToInt(ip);
  if (b === null || a === null || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(a / size) === Math.floor(b / size);
}

export function validListValue(kind: ListKind, value: string): boolean {
  switch (kind) {
    case 'cidr':
      return /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(value) && cidrContains(value, value.split('/')[0]!);
    case 'segment':
      return /^1\d{2,9}$/.test(value);
    case 'phone':
      return /^1[3-9]\d{9}$/.test(value);
    case 'identity':
      return /^[0-9a-f]{64}$/.test(value);
    default:
      return value.length > 0 && value.length <= 128;
  }
}

/** The entries that match a probe, live at `at`; blocks first. */
export function matchLists(entries: readonly ListEntry[], p: ListProbe, at: number): ListEntry[] {
  const hits = entries.filter((e) => {
    if (e.expiresAt !== null && e.expiresAt <= at) return false;
    switch (e.kind) {
      case 'account':
        return e.value === p.accountId;
      case 'device':
        return e.value === p.deviceId;
      case 'ip':
        return e.value === p.ip;
      case 'cidr':
        return p.ip !== null && cidrContains(e.value, p.ip);
      case 'phone':
        return e.value === p.phone;
      case 'segment':
        return p.phone !== null && p.phone.startsWith(e.value);
      case 'identity':
        return p.identityHashes.includes(e.value);
      case 'target':
        return p.targets.includes(e.value);
    }
  });
  return hits.sort((a, b) => (a.list === b.list ? 0 : a.list === 'block' ? -1 : 1));
}
