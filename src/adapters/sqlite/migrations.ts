/**
 * Schema migrations, applied in order inside one transaction each. Append new ones; never edit
 * an applied one.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'core',
    sql: `
CREATE TABLE campaigns (
  id TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  granted_count INTEGER NOT NULL DEFAULT 0,
  granted_fen INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE code_batches (
  id TEXT PRIMARY KEY,
  campaign_id TEXT NOT NULL REFERENCES campaigns(id),
  event TEXT NOT NULL,
  count INTEGER NOT NULL,
  use_limit INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX code_batches_campaign ON code_batches(campaign_id, id);
CREATE TABLE codes (
  id TEXT PRIMARY KEY,
  batch_id TEXT NOT NULL REFERENCES code_batches(id),
  campaign_id TEXT NOT NULL,
  use_limit INTEGER NOT NULL,
  uses INTEGER NOT NULL DEFAULT 0,
  expires_at INTEGER NOT NULL,
  key_id TEXT NOT NULL,
  nonce TEXT NOT NULL
);
CREATE INDEX codes_batch ON codes(batch_id, id);
CREATE TABLE claims (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  at INTEGER NOT NULL,
  campaign_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  account_id TEXT NOT NULL,
  phone TEXT,
  device_id TEXT,
  ip TEXT,
  identity_hash TEXT,
  code_id TEXT,
  batch_id TEXT,
  code_fp TEXT,
  decision TEXT NOT NULL,
  reasons TEXT NOT NULL,
  policy_version TEXT NOT NULL,
  rules TEXT NOT NULL,
  signals TEXT NOT NULL,
  coupon_id TEXT,
  challenge_id TEXT,
  face_value_fen INTEGER NOT NULL
);
CREATE INDEX claims_campaign ON claims(campaign_id, seq);
CREATE INDEX claims_account ON claims(account_id, seq);
CREATE TABLE claim_counters (
  campaign_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (campaign_id, kind, key)
) WITHOUT ROWID;
CREATE TABLE coupons (
  id TEXT PRIMARY KEY,
  campaign_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  claim_id TEXT NOT NULL,
  face_value_fen INTEGER NOT NULL,
  status TEXT NOT NULL,
  valid_from INTEGER NOT NULL,
  valid_to INTEGER NOT NULL,
  granted_at INTEGER NOT NULL,
  order_id TEXT,
  updated_at INTEGER NOT NULL
);
CREATE INDEX coupons_account ON coupons(account_id, id);
CREATE INDEX coupons_campaign ON coupons(campaign_id, status);
CREATE TABLE idempotency (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  ref_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE TABLE orders (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  status TEXT NOT NULL,
  decision TEXT NOT NULL,
  total_fen INTEGER NOT NULL,
  discount_fen INTEGER NOT NULL,
  pay_fen INTEGER NOT NULL,
  body TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX orders_account ON orders(account_id, id);
CREATE TABLE order_coupons (
  order_id TEXT NOT NULL,
  coupon_id TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  discount_fen INTEGER NOT NULL,
  PRIMARY KEY (order_id, coupon_id)
) WITHOUT ROWID;
CREATE INDEX order_coupons_coupon ON order_coupons(coupon_id);
CREATE TABLE order_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  action TEXT NOT NULL,
  from_status TEXT,
  to_status TEXT NOT NULL,
  actor TEXT NOT NULL
);
CREATE INDEX order_events_order ON order_events(order_id, seq);
CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  first_seen_at INTEGER NOT NULL,
  registered_at INTEGER,
  last_seen_at INTEGER NOT NULL,
  phone TEXT,
  identity_hash TEXT,
  identity_verified INTEGER NOT NULL DEFAULT 0,
  purchases INTEGER NOT NULL DEFAULT 0,
  purchase_fen INTEGER NOT NULL DEFAULT 0,
  logins INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE account_identities (
  account_id TEXT NOT NULL,
  identity_hash TEXT NOT NULL,
  first_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, identity_hash)
) WITHOUT ROWID;
CREATE INDEX account_identities_hash ON account_identities(identity_hash);
CREATE TABLE account_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id TEXT NOT NULL,
  type TEXT NOT NULL,
  at INTEGER NOT NULL,
  phone TEXT,
  device_id TEXT,
  ip TEXT,
  identity_hash TEXT,
  amount_fen INTEGER
);
CREATE INDEX account_events_account ON account_events(account_id, seq);
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  details TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
-- The audit log is append-only: the engine itself refuses edits and deletes.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
`,
  },
  {
    version: 2,
    name: 'risk',
    sql: `
ALTER TABLE claims ADD COLUMN account_created_at INTEGER;
ALTER TABLE claims ADD COLUMN identity_verified INTEGER NOT NULL DEFAULT 0;
ALTER TABLE claims ADD COLUMN shadow TEXT;
ALTER TABLE account_events ADD COLUMN identity_verified INTEGER NOT NULL DEFAULT 0;
CREATE INDEX claims_decision ON claims(decision, seq);
CREATE TABLE policies (
  version INTEGER PRIMARY KEY,
  status TEXT NOT NULL,
  doc TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  note TEXT NOT NULL
);
CREATE TABLE list_entries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  list TEXT NOT NULL,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  reason TEXT NOT NULL,
  expires_at INTEGER,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  removed_at INTEGER
);
CREATE INDEX list_entries_value ON list_entries(kind, value);
CREATE TABLE reviews (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  subject TEXT NOT NULL,
  subject_id TEXT NOT NULL UNIQUE,
  verdict TEXT NOT NULL,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  note TEXT NOT NULL
);
-- A counter every process can poll to learn that policies or lists changed.
CREATE TABLE config_version (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
INSERT INTO config_version (id, n) VALUES (1, 0);
`,
  },
  {
    version: 3,
    name: 'challenges',
    sql: `
CREATE TABLE challenges (
  id TEXT PRIMARY KEY,
  claim_id TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  difficulty INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_by TEXT
);
`,
  },
  {
    version: 4,
    name: 'idempotent answers',
    sql: `
-- The first answer to a request, replayed verbatim on a retry (orders change state later).
ALTER TABLE idempotency ADD COLUMN response TEXT;
`,
  },
  {
    version: 10,
    name: 'monitoring',
    sql: `
-- Pauses by coupon type or channel (a campaign pauses through its own state). Read inside the
-- claim transaction, so a pause stops grants in every process sharing the file at once.
CREATE TABLE pauses (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  scope_kind TEXT NOT NULL,
  scope_value TEXT NOT NULL,
  reason TEXT NOT NULL,
  actor TEXT NOT NULL,
  paused_at INTEGER NOT NULL,
  resumed_at INTEGER
);
CREATE INDEX pauses_active ON pauses(scope_kind, scope_value) WHERE resumed_at IS NULL;
CREATE TABLE alerts (
  id TEXT PRIMARY KEY,
  dedup_key TEXT NOT NULL,
  rule TEXT NOT NULL,
  scope_kind TEXT NOT NULL,
  scope_value TEXT NOT NULL,
  severity TEXT NOT NULL,
  status TEXT NOT NULL,
  title TEXT NOT NULL,
  first_at INTEGER NOT NULL,
  last_at INTEGER NOT NULL,
  count INTEGER NOT NULL,
  evidence TEXT NOT NULL,
  action TEXT,
  acked_by TEXT,
  resolved_by TEXT
);
CREATE UNIQUE INDEX alerts_open ON alerts(dedup_key) WHERE status != 'resolved';
CREATE INDEX alerts_time ON alerts(first_at);
CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  disabled_at INTEGER
);
CREATE TABLE webhook_deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  alert_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  last_error TEXT,
  delivered_at INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_at);
`,
  },
  {
    version: 30,
    name: 'incident response',
    sql: `
-- Long jobs (bulk freeze, make-good issue, ...): a checkpoint each batch advances atomically with
-- its changes (see job-repo.ts). At most one unfinished job per ref (an incident, a coupon type).
CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  ref TEXT,
  params TEXT NOT NULL,
  status TEXT NOT NULL,
  phase TEXT,
  cursor TEXT,
  done INTEGER NOT NULL DEFAULT 0,
  total INTEGER,
  counts TEXT NOT NULL DEFAULT '{}',
  batches INTEGER NOT NULL DEFAULT 0,
  actor TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER,
  error TEXT,
  owner TEXT,
  lease_until INTEGER
);
CREATE INDEX jobs_status ON jobs(status, id);
CREATE UNIQUE INDEX jobs_active_ref ON jobs(ref) WHERE ref IS NOT NULL AND status IN ('queued', 'running', 'paused');
CREATE TABLE incidents (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  status TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE incident_scope (
  incident_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  added_at INTEGER NOT NULL,
  PRIMARY KEY (incident_id, kind, value)
) WITHOUT ROWID;
-- The operator's (or ring detection's) word on accounts: ring member or swept-in consumer.
CREATE TABLE incident_accounts (
  incident_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  class TEXT NOT NULL,
  ring TEXT,
  source TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (incident_id, account_id)
) WITHOUT ROWID;
-- The orders in an incident's scope, in the order scope resolution found them (seq), and what the
-- incident did to each (disposition; the status before a freeze, to release it back).
CREATE TABLE incident_orders (
  incident_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  order_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  disposition TEXT NOT NULL,
  prior_status TEXT,
  found_at INTEGER NOT NULL,
  acted_at INTEGER,
  PRIMARY KEY (incident_id, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX incident_orders_order ON incident_orders(order_id, incident_id);
-- An incident's timeline is its audit entries.
CREATE INDEX audit_log_target ON audit_log(target, seq);
CREATE TABLE makegoods (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  budget_fen INTEGER NOT NULL,
  issued_count INTEGER NOT NULL DEFAULT 0,
  issued_fen INTEGER NOT NULL DEFAULT 0,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
-- Who a make-good gives to: once per account, whatever reruns.
CREATE TABLE makegood_recipients (
  makegood_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  account_id TEXT NOT NULL,
  state TEXT NOT NULL,
  coupon_id TEXT,
  at INTEGER,
  PRIMARY KEY (makegood_id, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX makegood_recipients_account ON makegood_recipients(makegood_id, account_id);
`,
  },
  {
    version: 11,
    name: 'coupons by account and campaign',
    sql: `
CREATE INDEX coupons_account_campaign ON coupons(account_id, campaign_id);
`,
  },
  {
    version: 12,
    name: 'bulk revocation walks',
    sql: `
-- Bulk revocation walks a campaign's, or a code batch's, coupons in id order from a checkpoint.
CREATE INDEX coupons_campaign_id ON coupons(campaign_id, id);
CREATE INDEX claims_batch_coupon ON claims(batch_id, coupon_id) WHERE coupon_id IS NOT NULL;
`,
  },
  {
    version: 20,
    name: 'rings',
    sql: `
-- Ring detection: runs, the rings each found, their members and the things they share.
CREATE TABLE ring_runs (
  id TEXT PRIMARY KEY,
  at INTEGER NOT NULL,
  from_at INTEGER NOT NULL,
  to_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  actor TEXT NOT NULL,
  stats TEXT,
  error TEXT,
  finished_at INTEGER
);
CREATE TABLE rings (
  id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES ring_runs(id),
  rank INTEGER NOT NULL,
  score REAL NOT NULL,
  size INTEGER NOT NULL,
  first_seen_at INTEGER,
  last_seen_at INTEGER,
  body TEXT NOT NULL
);
CREATE INDEX rings_run ON rings(run_id, rank);
CREATE TABLE ring_members (
  run_id TEXT NOT NULL,
  ring_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  share REAL NOT NULL,
  strong_links INTEGER NOT NULL,
  attached INTEGER NOT NULL,
  PRIMARY KEY (ring_id, account_id)
) WITHOUT ROWID;
CREATE INDEX ring_members_account ON ring_members(account_id, run_id);
CREATE TABLE ring_things (
  run_id TEXT NOT NULL,
  ring_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  accounts INTEGER NOT NULL,
  total INTEGER NOT NULL,
  PRIMARY KEY (ring_id, kind, value)
) WITHOUT ROWID;
CREATE INDEX ring_things_value ON ring_things(kind, value, run_id);
-- The run whose rings are live (claim-path signals, incident scopes).
CREATE TABLE ring_current (id INTEGER PRIMARY KEY CHECK (id = 1), run_id TEXT);
INSERT INTO ring_current (id, run_id) VALUES (1, NULL);
`,
  },
  {
    version: 40,
    name: 'claim path write diet',
    sql: `
-- Every claim writes every index of claims and coupons; these four cost index writes on the hot
-- path for reads that a narrower index (or an existing one) serves as well.
-- coupons(campaign_id, status): campaign walks use coupons_campaign_id (campaign_id, id).
DROP INDEX coupons_campaign;
-- coupons(account_id, campaign_id): an account has few coupons; coupons_account (account_id, id) finds them.
DROP INDEX coupons_account_campaign;
-- The review queue reads held claims only: index those, not every decision.
DROP INDEX claims_decision;
CREATE INDEX claims_held ON claims(id) WHERE decision = 'hold';
-- Code-batch walks read claims made with a code (batch_id = ? implies batch_id IS NOT NULL).
DROP INDEX claims_batch_coupon;
CREATE INDEX claims_batch_coupon ON claims(batch_id, coupon_id) WHERE batch_id IS NOT NULL AND coupon_id IS NOT NULL;
`,
  },
  {
    version: 41,
    name: 'traces by code and by top-up target',
    sql: `
-- An analyst tracing a leaked code or a cash-out target mid-incident should not wait for a scan of
-- every claim or order. Only claims granted with a code are indexed (none of the open crowd's), and
-- only orders with a top-up target get rows in order_targets.
CREATE INDEX claims_code ON claims(code_id, seq) WHERE code_id IS NOT NULL AND coupon_id IS NOT NULL;
CREATE TABLE order_targets (
  target TEXT NOT NULL,
  order_id TEXT NOT NULL,
  PRIMARY KEY (target, order_id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO order_targets (target, order_id)
  SELECT json_extract(j.value, '$.topupTarget'), o.id FROM orders o, json_each(o.body, '$.items') j
  WHERE json_extract(j.value, '$.topupTarget') IS NOT NULL;
`,
  },
];
