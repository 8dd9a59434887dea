import type { PolicyDoc, Rule } from './policy-doc.js';

/**
 * The policy that ships. Principles: single weak signals only add score; what fires alone is what
 * a legitimate crowd does not do (consecutive numbers, many accounts on one device, IoT SIMs);
 * special and channel-locked coupon types get the strict variants; cash-out orders that share a
 * target or follow a special coupon are held before fulfilment.
 * Thresholds: 30 → challenge, 75 → hold, 90 → deny. A rule's own action still applies alone;
 * rules that hold cash-out orders carry no score, so overlapping cash-out signals hold rather than
 * add up to a denial (a held order is reviewed; a denied one is lost to a real customer).
 *
 * Rings that rotate every account-level link (own device, own proxy IP, scattered numbers, aged
 * accounts, bought identities) are met on what they cannot rotate (see population.ts): they arrive
 * as thin claimants and they must cash out. Those rules read the campaign's population against the
 * platform's own mix and where its coupons go, and act by challenge or hold with little score, so a
 * thin but honest claimant is reviewed, never denied on population evidence alone. Ring membership
 * (stored and online ring detection) holds, and links to a ring challenge. Known costs, by design:
 * a brand-new or first-time-verified account claiming a no-threshold coupon worth ¥50 or more is
 * challenged where such claimants are rare; a coupon paying (almost) all of a top-up within the
 * hour of its claim is held before fulfilment.
 */
const claim = (r: Omit<Rule, 'appliesTo'>): Rule => ({ ...r, appliesTo: 'claim' });
const order = (r: Omit<Rule, 'appliesTo'>): Rule => ({ ...r, appliesTo: 'order' });

export const DEFAULT_POLICY: PolicyDoc = {
  thresholds: { challenge: 30, hold: 75, deny: 90 },
  rules: [
    claim({ id: 'segment-run', when: 'phone.segment_run >= 4.0', action: 'challenge', score: 35, reason: 'SIM_FARM_SEGMENT_RUN', description: 'Phone number is part of a run of near-consecutive numbers claiming this campaign' }),
    claim({ id: 'segment-run-long', when: 'phone.segment_run >= 12.0', action: 'deny', score: 60, reason: 'SIM_FARM_SEGMENT_RUN_LONG', description: 'Long run of near-consecutive numbers claiming this campaign (SIM farm)' }),
    claim({ id: 'segment-run-special', when: '(campaign.special || campaign.locked) && phone.segment_run >= 3.0', action: 'deny', score: 60, reason: 'SIM_FARM_SEGMENT_RUN_SPECIAL', description: 'Consecutive numbers claiming a special coupon' }),
    claim({ id: 'segment-burst', when: 'velocity.segment_accounts_10m >= 15.0', action: 'challenge', score: 30, reason: 'SEGMENT_BURST', description: 'Many accounts from one 7-digit phone segment in 10 minutes' }),
    claim({ id: 'device-shared', when: 'velocity.device_accounts_24h >= 4.0', action: 'challenge', score: 35, reason: 'DEVICE_SHARED', description: 'Several accounts claiming from one device within 24 hours' }),
    claim({ id: 'device-farm', when: 'velocity.device_accounts_24h >= 8.0 || links.device_accounts >= 12.0', action: 'deny', score: 60, reason: 'DEVICE_FARM', description: 'Many accounts on one device (device farm)' }),
    claim({ id: 'device-velocity', when: 'velocity.device_claims_1m >= 6.0', action: 'challenge', score: 30, reason: 'DEVICE_VELOCITY', description: 'Many claims from one device in a minute' }),
    claim({ id: 'ip-burst', when: 'velocity.ip_accounts_10m >= 10.0', action: 'allow', score: 15, reason: 'IP_BURST', description: 'Many accounts from one IP address in 10 minutes' }),
    // A busy IP is a NAT (campus, office) as often as a proxy pool: with a new account alone it stays under
    // a challenge. A busy /24 behind a busy IP is the same evidence twice: count it once.
    claim({ id: 'net-burst', when: 'velocity.ip24_accounts_10m >= 40.0 && velocity.ip_accounts_10m < 10.0', action: 'allow', score: 20, reason: 'NETWORK_BURST', description: 'Many accounts from one /24 network in 10 minutes' }),
    claim({ id: 'virtual-number', when: 'phone.virtual', action: 'allow', score: 15, reason: 'VIRTUAL_OPERATOR_NUMBER', description: 'Phone number from a virtual-operator range' }),
    claim({ id: 'iot-number', when: 'phone.iot', action: 'deny', score: 90, reason: 'IOT_NUMBER', description: 'Phone number from an IoT / data-only range' }),
    claim({ id: 'new-account', when: 'account.age_hours >= 0.0 && account.age_hours < 24.0', action: 'allow', score: 10, reason: 'NEW_ACCOUNT', description: 'Account created less than a day ago' }),
    claim({ id: 'new-account-special', when: '(campaign.special || campaign.locked) && account.age_hours >= 0.0 && account.age_hours < 72.0', action: 'allow', score: 30, reason: 'NEW_ACCOUNT_SPECIAL', description: 'New account claiming a special coupon' }),
    claim({ id: 'virtual-special', when: '(campaign.special || campaign.locked) && phone.virtual', action: 'allow', score: 30, reason: 'VIRTUAL_NUMBER_SPECIAL', description: 'Virtual-operator number claiming a special coupon' }),
    claim({ id: 'identity-many-accounts', when: 'links.identity_accounts >= 3.0', action: 'allow', score: 30, reason: 'IDENTITY_MANY_ACCOUNTS', description: 'One identity tied to several accounts' }),
    claim({ id: 'denial-streak', when: 'velocity.device_denials_1h >= 5.0 || velocity.ip_denials_1h >= 10.0', action: 'allow', score: 25, reason: 'DENIAL_STREAK', description: 'Repeated denials from this device or IP' }),
    claim({ id: 'code-overshared', when: 'claim.has_code && velocity.code_accounts_1h >= 30.0', action: 'allow', score: 25, reason: 'CODE_OVERSHARED', description: 'A claim code used by many accounts within an hour' }),
    // Ring membership from ring detection (its live runs feed this within a minute): a member is
    // held for review, not denied (detection can be wrong about one account); an account that only
    // shares a phone, device, identity or top-up target with a ring is asked to step up.
    claim({ id: 'ring-member', when: 'account.ring_member', action: 'hold', score: 40, reason: 'RING_MEMBER', description: 'Account is a member of a ring found by ring detection' }),
    claim({ id: 'ring-linked', when: 'account.ring_linked && !account.ring_member', action: 'challenge', score: 30, reason: 'RING_LINKED', description: 'Account shares a phone, device, identity or number run with a detected ring' }),
    // The population, not the account: rings that rotate every link still arrive as thin accounts
    // (new, or old shells whose identity comes with the claim) and still have to cash out. These
    // rules act through their action and carry little score, so that together they hold a thin
    // claimant (reviewed) rather than add up to a denial; account-level evidence can still deny.
    claim({ id: 'thin-cash-like', when: 'campaign.no_threshold && campaign.face_value_fen >= 5000.0 && account.thin && campaign.thin_share_24h_all < 0.25', action: 'challenge', score: 10, reason: 'THIN_ACCOUNT_CASH_LIKE', description: 'New account, or identity first given with this claim, on a no-threshold coupon worth ¥50 or more, where such claimants are rare on the platform' }),
    claim({ id: 'identity-fresh-special', when: '(campaign.special || campaign.locked) && account.identity_fresh', action: 'allow', score: 20, reason: 'IDENTITY_FRESH_SPECIAL', description: 'Identity first seen on this account with a claim of a special coupon' }),
    claim({ id: 'population-shift', when: '(campaign.no_threshold || campaign.special || campaign.locked) && account.thin && campaign.thin_claims_1h >= 10.0 && campaign.thin_share_1h >= 0.5 && campaign.thin_share_1h >= 3.0 * campaign.thin_share_24h_all', action: 'challenge', score: 10, reason: 'CAMPAIGN_POPULATION_SHIFT', description: "Thin account (new, or identity first given with this claim) on a cash-like campaign whose recent claimants are mostly thin, far above the platform's own mix" }),
    claim({ id: 'campaign-cashout-thin', when: 'account.thin && campaign.shared_target_redemptions_24h >= 3.0 && campaign.shared_target_redemptions_24h * 2.0 >= campaign.cashout_redemptions_24h', action: 'hold', score: 10, reason: 'CAMPAIGN_CASHOUT_THIN_CLAIMANT', description: "Thin account claiming a campaign whose coupons are being cashed out in full into top-up targets other accounts use too (at least half of its full-value cash-outs today)" }),
    claim({ id: 'campaign-cashout-share', when: 'account.thin && campaign.cashout_redemptions_24h >= 3.0 && campaign.cashout_share_24h >= 0.5', action: 'hold', score: 10, reason: 'CAMPAIGN_CASHOUT_SHARE', description: "Thin account claiming a campaign whose coupons are mostly spent in full on virtual goods today" }),
    order({ id: 'ring-member-order', when: '(account.ring_member || account.ring_linked) && order.discount_fen > 0.0', action: 'hold', score: 0, reason: 'RING_MEMBER_ORDER', description: 'Coupon spent by a ring member, or into a top-up target, device or identity of a detected ring' }),
    order({ id: 'cashout-full-value', when: 'order.cashout && order.coupon_ratio >= 0.8 && order.seconds_since_claim >= 0.0 && order.seconds_since_claim < 3600.0', action: 'hold', score: 0, reason: 'CASHOUT_FULL_VALUE', description: 'Coupon claimed within the hour pays (almost) all of an order of virtual goods' }),
    order({ id: 'cashout-shared-target', when: 'order.cashout && order.target_accounts >= 3.0', action: 'hold', score: 0, reason: 'CASHOUT_SHARED_TARGET', description: 'Coupon cashed out to a top-up target shared by several accounts' }),
    order({ id: 'cashout-special', when: 'order.cashout && order.special_coupon', action: 'hold', score: 0, reason: 'CASHOUT_SPECIAL_COUPON', description: 'Special coupon spent on virtual goods' }),
    order({ id: 'cashout-fast', when: 'order.cashout && order.seconds_since_claim >= 0.0 && order.seconds_since_claim < 600.0 && order.coupon_ratio >= 0.5', action: 'allow', score: 20, reason: 'CASHOUT_FAST', description: 'Coupon spent on virtual goods minutes after it was claimed' }),
    order({ id: 'target-velocity', when: 'velocity.target_accounts_1h >= 3.0', action: 'hold', score: 0, reason: 'TARGET_VELOCITY', description: 'Several accounts topping up one target within an hour' }),
  ],
};
