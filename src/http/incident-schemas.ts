/**
 * JSON schemas of the incident-response API (incidents, jobs, traces, make-goods). Same rules as
 * schemas.ts: every object closed, every list bounded, ids by pattern.
 */
import { ACCOUNT_CLASSES, DISPOSITIONS, INCIDENT_ID_PATTERN, SCOPE_KINDS } from '../core/incidents/incident.js';
import { JOB_ID_PATTERN, JOB_STATUSES } from '../core/jobs/job.js';
import { MAKEGOOD_ID_PATTERN, RECIPIENT_STATES } from '../core/makegood/makegood.js';
import { ACCOUNT_ID_PATTERN } from '../core/shared/ids.js';
import { MAX_FEN } from '../core/shared/money.js';
import { id } from './schemas.js';

const dateTime = { type: 'string', format: 'date-time', maxLength: 40 } as const;
const limit = { type: 'string', pattern: '^[1-9][0-9]{0,2}$', description: '1..999, default 100' } as const;
/** Lists in a JSON body; longer lists go through the CSV routes. */
export const MAX_JSON_LIST = 10_000;

export const incidentParams = {
  type: 'object',
  additionalProperties: false,
  required: ['incidentId'],
  properties: { incidentId: { type: 'string', pattern: INCIDENT_ID_PATTERN } },
} as const;
export const jobParams = { type: 'object', additionalProperties: false, required: ['jobId'], properties: { jobId: { type: 'string', pattern: JOB_ID_PATTERN } } } as const;
export const makegoodParams = {
  type: 'object',
  additionalProperties: false,
  required: ['makegoodId'],
  properties: { makegoodId: { type: 'string', pattern: MAKEGOOD_ID_PATTERN } },
} as const;

const selector = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'value'],
  properties: { kind: { enum: SCOPE_KINDS }, value: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;
const scopeList = { type: 'array', minItems: 1, maxItems: MAX_JSON_LIST, items: selector } as const;

const accountEntry = {
  type: 'object',
  additionalProperties: false,
  required: ['accountId', 'class'],
  properties: {
    accountId: { type: 'string', pattern: ACCOUNT_ID_PATTERN },
    class: { enum: ACCOUNT_CLASSES },
    ring: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,64}$' },
  },
} as const;
const accountList = { type: 'array', minItems: 1, maxItems: MAX_JSON_LIST, items: accountEntry } as const;

const leniency = {
  type: 'object',
  additionalProperties: false,
  properties: {
    sweptInOrders: { enum: ['keep', 'freeze'], description: 'What a bulk freeze does to orders of swept-in consumers' },
    blockRingMembers: { type: 'boolean', description: 'Whether `block` puts ring members on the risk block list' },
  },
} as const;

export const incidentCreateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['title', 'scope'],
  properties: {
    title: { type: 'string', minLength: 1, maxLength: 200 },
    note: { type: 'string', maxLength: 2000 },
    window: {
      type: 'object',
      additionalProperties: false,
      required: ['from', 'to'],
      properties: { from: dateTime, to: dateTime },
      description: 'Only orders placed in [from, to) are in scope',
    },
    scope: { ...scopeList, description: 'An order is in scope when it matches ANY selector (and the window, if given)' },
    leniency,
    accounts: { ...accountList, description: "The operator's list: ring members and swept-in consumers" },
  },
  example: {
    title: 'TV guest coupon stolen through forged QR codes',
    window: { from: '2019-01-19T00:00:00+08:00', to: '2019-01-20T09:00:00+08:00' },
    scope: [{ kind: 'coupon_type', value: 'tv-guest-100' }],
    leniency: { sweptInOrders: 'keep', blockRingMembers: true },
  },
} as const;

export const scopeBody = {
  type: 'object',
  additionalProperties: false,
  required: ['scope'],
  properties: { scope: scopeList },
} as const;
export const accountsBody = {
  type: 'object',
  additionalProperties: false,
  required: ['accounts'],
  properties: { accounts: accountList },
} as const;
export const leniencyBody = leniency;
const csvText = { type: 'string', minLength: 1, maxLength: 64 * 1024, description: 'The CSV file as text: one entry per line, first column; a header line and # comments are skipped' } as const;
export const scopeUploadBody = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'csv'],
  properties: { kind: { enum: SCOPE_KINDS, description: 'What every value of the file is' }, csv: csvText },
} as const;
export const accountsUploadBody = {
  type: 'object',
  additionalProperties: false,
  required: ['csv'],
  properties: {
    csv: { ...csvText, description: '`account_id[,class[,ring]]` per line' },
    class: { enum: ACCOUNT_CLASSES, description: 'The class of lines that do not name one' },
  },
} as const;

export const actionBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    orderId: { ...id('order'), description: 'One order; without it, a job over the whole scope' },
    class: { enum: [...ACCOUNT_CLASSES, 'unclassified'], description: 'release/cancel: only the orders of accounts of this class' },
    note: { type: 'string', maxLength: 500 },
  },
} as const;

export const noteOnlyBody = { type: 'object', additionalProperties: false, properties: { note: { type: 'string', maxLength: 500 } } } as const;

export const membersQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { disposition: { enum: DISPOSITIONS }, afterSeq: { type: 'string', pattern: '^[0-9]{1,15}$' }, limit },
} as const;

export const pageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { after: { type: 'string', maxLength: 64, pattern: '^[A-Za-z0-9_]+$' }, limit },
} as const;

export const jobListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    kind: { type: 'string', pattern: '^[a-z][a-z0-9_.-]{0,63}$' },
    status: { enum: JOB_STATUSES },
    ref: { type: 'string', maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' },
    after: { type: 'string', pattern: JOB_ID_PATTERN },
    limit,
  },
} as const;

export const limitQuery = { type: 'object', additionalProperties: false, properties: { limit } } as const;
/** A top-up target in a URL: kind:value, or a bare phone number. */
export const TARGET_PARAM = '^((phone|qq|game_account):[A-Za-z0-9_.@+ -]{1,64}|[0-9+ -]{5,24})$';

export const exportQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { clear: { enum: ['true', 'false'], description: 'Personal data in clear (roles auditor and admin only); default: in clear for them, masked for others' } },
} as const;

export const makegoodCreateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'campaignId', 'budgetFen'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    campaignId: id('campaign'),
    budgetFen: { type: 'integer', minimum: 1, maximum: MAX_FEN, description: 'The most this make-good may give, in fen' },
    accounts: { type: 'array', minItems: 1, maxItems: MAX_JSON_LIST, items: { type: 'string', pattern: ACCOUNT_ID_PATTERN }, description: 'Give to these accounts (or use activeFrom/activeTo)' },
    activeFrom: { ...dateTime, description: 'Give to every account with an order placed in [activeFrom, activeTo)' },
    activeTo: dateTime,
    excludeIncidents: { type: 'array', maxItems: 50, uniqueItems: true, items: { type: 'string', pattern: INCIDENT_ID_PATTERN } },
    includeSweptIn: { type: 'boolean', default: false, description: "Swept-in consumers of the excluded incidents still get one" },
    note: { type: 'string', maxLength: 500 },
  },
  example: {
    name: 'Festival make-good ¥10',
    campaignId: 'cmp_01HQ3W6Y0KZ6V8J7R2M9T4X5B1',
    budgetFen: 10_000_000_000,
    activeFrom: '2019-01-19T00:00:00+08:00',
    activeTo: '2019-01-21T00:00:00+08:00',
    excludeIncidents: ['inc_01HQ3W6Y0KZ6V8J7R2M9T4X5B2'],
  },
} as const;

export const recipientsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { state: { enum: RECIPIENT_STATES }, afterSeq: { type: 'string', pattern: '^[0-9]{1,15}$' }, limit },
} as const;
