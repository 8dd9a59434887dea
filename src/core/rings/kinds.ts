/**
 * What accounts can share, and how much sharing one of each says that two accounts are run by
 * the same hands — before counting how many share it (the degree discount comes on top).
 *
 * The priors are the platform's judgement, written once, not fitted to any scenario: one real-name
 * identity, phone number, device, payment instrument or top-up target is one person's or one
 * operator's; an address or a run of consecutive phone numbers nearly so; an IP is a household or
 * a NAT; a claim code, a /24 network or claiming the same campaign in the same ten minutes is a
 * crowd; buying the same product is what shoppers do.
 */
export const THING_KINDS = [
  'identity',
  'phone',
  'device',
  'payment',
  'target',
  'address',
  'phone_run',
  'ip',
  'code',
  'ip24',
  'lockstep',
  'product',
] as const;
export type ThingKind = (typeof THING_KINDS)[number];

export const KIND_PRIOR: Readonly<Record<ThingKind, number>> = {
  identity: 1,
  phone: 1,
  device: 1,
  payment: 1,
  target: 1,
  address: 0.7,
  phone_run: 0.7,
  ip: 0.5,
  code: 0.3,
  ip24: 0.2,
  lockstep: 0.2,
  product: 0.1,
};

/** Kinds that tie accounts to one operator on their own: components run over these, and a swept-in consumer shares none with a ring. */
export const STRONG_KINDS: ReadonlySet<ThingKind> = new Set(['identity', 'phone', 'device', 'payment', 'target', 'address', 'phone_run']);

export const kindIndex = (k: ThingKind): number => THING_KINDS.indexOf(k);
