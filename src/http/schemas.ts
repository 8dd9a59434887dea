/**
 * JSON schemas of the public API. Fastify validates with them and the OpenAPI document at
 * /openapi.json is generated from them, so the contract and the checks cannot drift apart.
 * Every object is closed (`additionalProperties: false`): an unknown field is a 400, not ignored.
 */
import { CAMPAIGN_STATES, COUPON_STATUSES } from '../core/campaigns/campaign.js';
import { ORDER_CATEGORIES } from '../core/campaigns/template.js';
import { DECISIONS } from '../core/claims/policy.js';
import { ACCOUNT_EVENT_TYPES } from '../core/accounts/account.js';
import { MAX_CODE_LENGTH } from '../core/codes/claim-code.js';
import { ORDER_STATUSES, TOPUP_TARGET_KINDS } from '../core/orders/order.js';
import { CHANNELS } from '../core/shared/channels.js';
import { ACCOUNT_ID_PATTERN, idPattern, type IdKind } from '../core/shared/ids.js';
import { MAX_FEN } from '../core/shared/money.js';
import { PHONE_INPUT_PATTERN } from '../core/identity/phone.js';
import { ROLES } from '../ports/store.js';

export const id = (kind: IdKind) => ({ type: 'string', pattern: idPattern(kind) }) as const;
const fen = { type: 'integer', minimum: 0, maximum: MAX_FEN, description: 'CNY in fen (1/100 yuan)' } as const;
const positiveFen = { ...fen, minimum: 1 } as const;
const dateTime = { type: 'string', format: 'date-time', maxLength: 40 } as const;
const shortText = { type: 'string', minLength: 1, maxLength: 200 } as const;
const opaque = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' } as const;

export const errorSchema = {
  type: 'object',
  required: ['code', 'message', 'requestId'],
  properties: { code: { type: 'string' }, message: { type: 'string' }, requestId: { type: 'string' } },
  example: { code: 'VALIDATION_FAILED', message: "body must have required property 'channel'", requestId: 'req-1f' },
} as const;

export const reasonSchema = {
  type: 'object',
  required: ['code', 'message'],
  properties: { code: { type: 'string' }, message: { type: 'string' } },
} as const;

export const idempotencyHeaders = {
  type: 'object',
  required: ['idempotency-key'],
  properties: {
    'idempotency-key': { ...opaque, description: 'Unique per logical request; a retry with the same key returns the first answer.' },
  },
} as const;

const discountSchema = {
  oneOf: [
    { type: 'object', additionalProperties: false, required: ['kind', 'amountFen'], properties: { kind: { const: 'fixed' }, amountFen: positiveFen } },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'thresholdFen', 'amountFen'],
      properties: { kind: { const: 'threshold' }, thresholdFen: positiveFen, amountFen: positiveFen },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'percent', 'capFen'],
      properties: { kind: { const: 'percent' }, percent: { type: 'integer', minimum: 1, maximum: 99 }, capFen: positiveFen, thresholdFen: fen },
    },
  ],
} as const;

const templateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['discount'],
  properties: {
    discount: discountSchema,
    eligibleCategories: { type: 'array', minItems: 1, maxItems: ORDER_CATEGORIES.length, uniqueItems: true, items: { enum: ORDER_CATEGORIES } },
    validDays: { type: 'integer', minimum: 1, maximum: 3650 },
  },
} as const;

export const campaignCreateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'template', 'channels', 'startsAt', 'endsAt', 'budget', 'limits'],
  properties: {
    name: shortText,
    template: templateSchema,
    special: { type: 'boolean', default: false },
    channels: { type: 'array', minItems: 1, maxItems: CHANNELS.length, uniqueItems: true, items: { enum: CHANNELS } },
    requireCode: { type: 'boolean', default: false },
    requireVerifiedIdentity: { type: 'boolean', default: false },
    startsAt: dateTime,
    endsAt: dateTime,
    budget: {
      type: 'object',
      additionalProperties: false,
      required: ['count', 'moneyFen'],
      properties: { count: { type: 'integer', minimum: 1, maximum: 100_000_000 }, moneyFen: positiveFen },
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      required: ['perIdentity', 'perAccount'],
      properties: {
        perIdentity: { type: 'integer', minimum: 1, maximum: 1000 },
        perAccount: { type: 'integer', minimum: 1, maximum: 1000 },
        perPhone: { type: 'integer', minimum: 1, maximum: 1000 },
      },
    },
    restoreOnCancel: { type: 'boolean', default: true },
    state: { enum: ['draft', 'active'], default: 'draft' },
    couponType: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', description: 'Campaigns sharing a coupon type are monitored and can be paused together' },
    monitor: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxGrantsPerMinute: { type: 'integer', minimum: 1, maximum: 10_000_000 },
        budgetAlertPercent: { type: 'integer', minimum: 1, maximum: 100 },
        expectedSurges: {
          type: 'array',
          maxItems: 50,
          description: 'Announced surges (a flash sale): the monitor expects this rate while they last',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['startsAt', 'endsAt', 'grantsPerMinute'],
            properties: { startsAt: dateTime, endsAt: dateTime, grantsPerMinute: { type: 'integer', minimum: 1, maximum: 10_000_000 } },
          },
        },
        autoPause: { type: 'boolean', description: 'Pause automatically on an alert (default: on for special and channel-locked campaigns)' },
      },
    },
  },
  example: {
    name: 'TV show guests ¥100',
    template: { discount: { kind: 'fixed', amountFen: 10000 } },
    special: true,
    channels: ['offline_event'],
    requireVerifiedIdentity: true,
    startsAt: '2019-01-19T00:00:00Z',
    endsAt: '2019-01-21T00:00:00Z',
    budget: { count: 200, moneyFen: 2000000 },
    limits: { perIdentity: 1, perAccount: 1 },
    state: 'active',
  },
} as const;

export const campaignSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    state: { enum: CAMPAIGN_STATES },
    special: { type: 'boolean' },
    channels: { type: 'array', items: { enum: CHANNELS } },
    channelLocked: { type: 'boolean' },
    usage: { type: 'object', properties: { grantedCount: { type: 'integer' }, grantedFen: { type: 'integer' } } },
  },
} as const;

export const claimBody = {
  type: 'object',
  additionalProperties: false,
  required: ['campaignId', 'channel', 'account'],
  properties: {
    campaignId: id('campaign'),
    channel: { enum: CHANNELS },
    code: { type: 'string', minLength: 1, maxLength: MAX_CODE_LENGTH, description: 'Claim code text as printed in the QR code' },
    account: {
      type: 'object',
      additionalProperties: false,
      required: ['id'],
      properties: {
        id: { type: 'string', pattern: ACCOUNT_ID_PATTERN, description: "The shop's own account id" },
        createdAt: dateTime,
        phone: { type: 'string', maxLength: 20, pattern: PHONE_INPUT_PATTERN },
        deviceId: { type: 'string', minLength: 1, maxLength: 128 },
        ip: { type: 'string', anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] },
        identity: {
          type: 'object',
          additionalProperties: false,
          required: ['number', 'verified'],
          properties: {
            number: { type: 'string', minLength: 18, maxLength: 18, pattern: '^[1-9][0-9]{16}[0-9Xx]$', description: 'Resident id (GB 11643); hashed at once, never stored' },
            verified: { type: 'boolean' },
          },
        },
      },
    },
    challenge: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'solution'],
      description: 'The answer to a challenge this same claim received: resend the identical body with this added and a new Idempotency-Key',
      properties: { id: id('challenge'), solution: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' } },
    },
  },
  example: {
    campaignId: 'cmp_01HZX3K9V7Q2W8E4R6T1Y5V3J0',
    channel: 'offline_event',
    code: 'CG1.eyJrIjoiazEiLCJjIjoi....sig',
    account: { id: 'u-1001', createdAt: '2018-03-02T10:00:00Z', phone: '+86 138 0013 8000', deviceId: 'dev-9f2', ip: '203.0.113.7', identity: { number: '11010519491231002X', verified: true } },
  },
} as const;

export const claimResponse = {
  type: 'object',
  required: ['claimId', 'decision', 'reasons', 'policyVersion'],
  properties: {
    claimId: { type: 'string' },
    decision: { enum: DECISIONS, description: 'allow: granted; hold: granted but locked until review; challenge: answer the challenge first; deny: nothing granted' },
    couponId: { type: 'string' },
    challengeId: { type: 'string' },
    challenge: {
      type: 'object',
      description: 'Find `solution` such that SHA-256 of "<id>:<solution>" (hex) starts with `difficulty` zero bits, then resend the claim with `challenge: {id, solution}`',
      properties: { id: { type: 'string' }, kind: { const: 'proof_of_work' }, difficulty: { type: 'integer' }, expiresAt: { type: 'string' } },
    },
    reasons: { type: 'array', items: reasonSchema },
    policyVersion: { type: 'string' },
  },
  example: { claimId: 'clm_01HZX3M0000000000000000001', decision: 'deny', reasons: [{ code: 'CODE_FORGED', message: 'The claim code was not issued by the platform' }], policyVersion: 'platform@1' },
} as const;

export const orderBody = {
  type: 'object',
  additionalProperties: false,
  required: ['accountId', 'items'],
  properties: {
    accountId: { type: 'string', pattern: ACCOUNT_ID_PATTERN },
    items: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['sku', 'category', 'unitPriceFen', 'quantity'],
        properties: {
          sku: { type: 'string', minLength: 1, maxLength: 64 },
          category: { enum: ORDER_CATEGORIES },
          unitPriceFen: fen,
          quantity: { type: 'integer', minimum: 1, maximum: 10_000 },
          topupTarget: {
            type: 'object',
            additionalProperties: false,
            required: ['kind', 'value'],
            properties: { kind: { enum: TOPUP_TARGET_KINDS }, value: { type: 'string', minLength: 1, maxLength: 64 } },
          },
        },
      },
    },
    couponIds: { type: 'array', maxItems: 10, uniqueItems: true, items: id('coupon'), default: [] },
    deviceId: { type: 'string', minLength: 1, maxLength: 128 },
    ip: { type: 'string', anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] },
  },
  example: {
    accountId: 'u-1001',
    items: [{ sku: 'topup-100', category: 'virtual_topup', unitPriceFen: 10000, quantity: 1, topupTarget: { kind: 'phone', value: '13800138000' } }],
    couponIds: ['cpn_01HZX3M0000000000000000001'],
  },
} as const;

export const orderResponse = {
  type: 'object',
  required: ['orderId', 'status', 'decision', 'totalFen', 'discountFen', 'payFen', 'coupons', 'reasons', 'policyVersion'],
  properties: {
    orderId: { type: 'string' },
    status: { enum: ORDER_STATUSES },
    decision: { enum: DECISIONS },
    totalFen: { type: 'integer' },
    discountFen: { type: 'integer' },
    payFen: { type: 'integer' },
    coupons: {
      type: 'array',
      items: { type: 'object', properties: { couponId: { type: 'string' }, campaignId: { type: 'string' }, discountFen: { type: 'integer' } } },
    },
    reasons: { type: 'array', items: reasonSchema },
    policyVersion: { type: 'string' },
  },
} as const;

export const accountEventBody = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'accountId'],
  properties: {
    type: { enum: ACCOUNT_EVENT_TYPES },
    accountId: { type: 'string', pattern: ACCOUNT_ID_PATTERN },
    at: dateTime,
    phone: claimBody.properties.account.properties.phone,
    deviceId: { type: 'string', minLength: 1, maxLength: 128 },
    ip: { type: 'string', anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] },
    identity: claimBody.properties.account.properties.identity,
    amountFen: fen,
  },
  example: { type: 'registration', accountId: 'u-1001', at: '2018-03-02T10:00:00Z', phone: '13800138000', deviceId: 'dev-9f2', ip: '203.0.113.7' },
} as const;

export const batchCreateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['event', 'count', 'expiresAt'],
  properties: {
    event: shortText,
    count: { type: 'integer', minimum: 1, maximum: 10_000, description: 'Up to 10,000 per request; the CLI issues larger batches' },
    useLimit: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 1 },
    expiresAt: dateTime,
  },
  example: { event: 'TV recording 2019-01-19', count: 200, useLimit: 1, expiresAt: '2019-01-20T00:00:00Z' },
} as const;

export const keyCreateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['role', 'name'],
  properties: { role: { enum: ROLES }, name: shortText },
} as const;

export const pageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$', description: '1..999, default 100' },
    after: { type: 'string', maxLength: 64, pattern: '^[A-Za-z0-9_]+$' },
  },
} as const;

export const couponListQuery = {
  ...pageQuery,
  properties: { ...pageQuery.properties, status: { enum: COUPON_STATUSES } },
} as const;

export const campaignListQuery = {
  ...pageQuery,
  properties: { ...pageQuery.properties, state: { enum: CAMPAIGN_STATES } },
} as const;

export const noteBody = {
  type: 'object',
  additionalProperties: false,
  properties: { note: { type: 'string', maxLength: 500 } },
} as const;

export const params = (name: string, kind: IdKind) =>
  ({ type: 'object', additionalProperties: false, required: [name], properties: { [name]: id(kind) } }) as const;

export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  413: errorSchema,
  415: errorSchema,
  422: errorSchema,
} as const;

const ruleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'appliesTo', 'when', 'action', 'score', 'reason', 'description'],
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' },
    appliesTo: { enum: ['claim', 'order'] },
    when: { type: 'string', minLength: 1, maxLength: 2000, description: 'CEL expression over the documented signals' },
    action: { enum: DECISIONS },
    score: { type: 'integer', minimum: -1000, maximum: 1000 },
    reason: { type: 'string', pattern: '^[A-Z][A-Z0-9_]{2,63}$' },
    description: { type: 'string', minLength: 1, maxLength: 300 },
  },
} as const;

export const policyDocSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['rules', 'thresholds'],
  properties: {
    rules: { type: 'array', maxItems: 500, items: ruleSchema },
    thresholds: {
      type: 'object',
      additionalProperties: false,
      required: ['challenge', 'hold', 'deny'],
      properties: { challenge: { type: 'integer' }, hold: { type: 'integer' }, deny: { type: 'integer' } },
    },
  },
  example: {
    thresholds: { challenge: 30, hold: 75, deny: 90 },
    rules: [{ id: 'segment-run', appliesTo: 'claim', when: 'phone.segment_run >= 4.0', action: 'challenge', score: 35, reason: 'SIM_FARM_SEGMENT_RUN', description: 'Run of near-consecutive numbers' }],
  },
} as const;

export const publishBody = {
  type: 'object',
  additionalProperties: false,
  required: ['policy', 'status'],
  properties: { policy: policyDocSchema, status: { enum: ['live', 'shadow'] }, note: { type: 'string', maxLength: 500, default: '' } },
} as const;

export const listEntryBody = {
  type: 'object',
  additionalProperties: false,
  required: ['list', 'kind', 'value', 'reason'],
  properties: {
    list: { enum: ['block', 'allow'] },
    kind: { enum: ['account', 'device', 'ip', 'cidr', 'phone', 'segment', 'identity', 'target'] },
    value: { type: 'string', minLength: 1, maxLength: 128 },
    reason: { type: 'string', minLength: 1, maxLength: 300 },
    expiresAt: { type: 'string', format: 'date-time', maxLength: 40 },
  },
  example: { list: 'block', kind: 'segment', value: '1700123', reason: 'SIM farm segment seen in incident 7', expiresAt: '2019-02-20T00:00:00Z' },
} as const;

export const reviewBody = {
  type: 'object',
  additionalProperties: false,
  required: ['verdict'],
  properties: { verdict: { enum: ['approve', 'reject'] }, note: { type: 'string', maxLength: 500, default: '' } },
} as const;

export const rangeQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { from: { type: 'string', format: 'date-time', maxLength: 40 }, to: { type: 'string', format: 'date-time', maxLength: 40 } },
} as const;

export const backtestBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    version: { type: 'integer', minimum: 1, description: 'A stored policy version; default the live one' },
    policy: policyDocSchema,
    from: { type: 'string', format: 'date-time', maxLength: 40 },
    to: { type: 'string', format: 'date-time', maxLength: 40 },
  },
} as const;
