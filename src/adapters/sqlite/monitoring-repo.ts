import type { AuditEntry, AuditInput } from '../../core/audit/audit.js';
import type { Alert, AlertStatus } from '../../core/monitor/alerts.js';
import type { ActivePause, MonitoringRepo, PauseScope, WebhookDelivery, WebhookEndpoint } from '../../ports/store.js';
import type { SqliteDb } from './database.js';

type Append = (e: AuditInput, at: number) => AuditEntry;

interface AlertRow {
  id: string;
  dedup_key: string;
  rule: string;
  scope_kind: string;
  scope_value: string;
  severity: string;
  status: string;
  title: string;
  first_at: number;
  last_at: number;
  count: number;
  evidence: string;
  action: string | null;
  acked_by: string | null;
  resolved_by: string | null;
}

const alertFromRow = (r: AlertRow): Alert => ({
  id: r.id,
  dedupKey: r.dedup_key,
  rule: r.rule as Alert['rule'],
  scopeKind: r.scope_kind as Alert['scopeKind'],
  scopeValue: r.scope_value,
  severity: r.severity as Alert['severity'],
  status: r.status as AlertStatus,
  title: r.title,
  firstAt: r.first_at,
  lastAt: r.last_at,
  count: r.count,
  evidence: JSON.parse(r.evidence) as Alert['evidence'],
  action: r.action,
  ackedBy: r.acked_by,
  resolvedBy: r.resolved_by,
});

interface DeliveryRow {
  id: number;
  alert_id: string;
  endpoint_id: string;
  body: string;
  status: string;
  attempts: number;
  next_at: number;
  last_error: string | null;
  delivered_at: number | null;
}
const deliveryFromRow = (r: DeliveryRow): WebhookDelivery => ({
  id: r.id,
  alertId: r.alert_id,
  endpointId: r.endpoint_id,
  body: r.body,
  status: r.status as WebhookDelivery['status'],
  attempts: r.attempts,
  nextAt: r.next_at,
  lastError: r.last_error,
  deliveredAt: r.delivered_at,
});

interface EndpointRow {
  id: string;
  url: string;
  secret: string;
  created_at: number;
  created_by: string;
  disabled_at: number | null;
}
const endpointFromRow = (r: EndpointRow): WebhookEndpoint => ({
  id: r.id,
  url: r.url,
  secret: r.secret,
  createdAt: r.created_at,
  createdBy: r.created_by,
  disabledAt: r.disabled_at,
});

export function sqliteMonitoringRepo(db: SqliteDb, appendAudit: Append): MonitoringRepo {
  const s = {
    activePause: db.prepare('SELECT id FROM pauses WHERE scope_kind = ? AND scope_value = ? AND resumed_at IS NULL'),
    pause: db.prepare('INSERT INTO pauses (scope_kind, scope_value, reason, actor, paused_at) VALUES (?, ?, ?, ?, ?)'),
    resume: db.prepare('UPDATE pauses SET resumed_at = ? WHERE scope_kind = ? AND scope_value = ? AND resumed_at IS NULL'),
    pauses: db.prepare('SELECT * FROM pauses WHERE resumed_at IS NULL ORDER BY id'),
    openAlert: db.prepare("SELECT * FROM alerts WHERE dedup_key = ? AND status != 'resolved'"),
    insertAlert: db.prepare(
      `INSERT INTO alerts (id, dedup_key, rule, scope_kind, scope_value, severity, status, title, first_at, last_at, count, evidence)
       VALUES (@id, @dedupKey, @rule, @scopeKind, @scopeValue, @severity, 'open', @title, @at, @at, 1, @evidence)`,
    ),
    bumpAlert: db.prepare('UPDATE alerts SET last_at = ?, count = count + 1, evidence = ?, title = ? WHERE id = ?'),
    getAlert: db.prepare('SELECT * FROM alerts WHERE id = ?'),
    listAll: db.prepare('SELECT * FROM alerts WHERE id < ? ORDER BY id DESC LIMIT ?'),
    listStatus: db.prepare('SELECT * FROM alerts WHERE status = ? AND id < ? ORDER BY id DESC LIMIT ?'),
    setAction: db.prepare('UPDATE alerts SET action = ? WHERE id = ?'),
    ack: db.prepare("UPDATE alerts SET status = 'acknowledged', acked_by = ? WHERE id = ? AND status = 'open'"),
    resolve: db.prepare("UPDATE alerts SET status = 'resolved', resolved_by = ? WHERE id = ? AND status != 'resolved'"),
    addEndpoint: db.prepare('INSERT INTO webhook_endpoints (id, url, secret, created_at, created_by) VALUES (?, ?, ?, ?, ?)'),
    endpoints: db.prepare('SELECT * FROM webhook_endpoints ORDER BY id'),
    activeEndpoints: db.prepare('SELECT * FROM webhook_endpoints WHERE disabled_at IS NULL'),
    disable: db.prepare('UPDATE webhook_endpoints SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL'),
    enqueue: db.prepare("INSERT INTO webhook_deliveries (alert_id, endpoint_id, body, status, next_at) VALUES (?, ?, ?, 'pending', ?)"),
    due: db.prepare("SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_at <= ? ORDER BY next_at LIMIT ?"),
    lease: db.prepare("UPDATE webhook_deliveries SET next_at = ? WHERE id = ? AND status = 'pending' AND next_at = ?"),
    delivered: db.prepare("UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = ? WHERE id = ?"),
    failed: db.prepare('UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, last_error = ?, next_at = ? WHERE id = ?'),
    deliveries: db.prepare(
      'SELECT * FROM webhook_deliveries WHERE (@status IS NULL OR status = @status) AND (@alertId IS NULL OR alert_id = @alertId) ORDER BY id LIMIT @limit',
    ),
  };

  const pauseTx = db.transaction((kind: PauseScope, value: string, reason: string, at: number, audit: AuditInput) => {
    if (s.activePause.get(kind, value)) return false;
    s.pause.run(kind, value, reason, audit.actor, at);
    appendAudit(audit, at);
    return true;
  });
  const resumeTx = db.transaction((kind: PauseScope, value: string, at: number, audit: AuditInput) => {
    const changed = s.resume.run(at, kind, value).changes > 0;
    if (changed) appendAudit(audit, at);
    return changed;
  });
  const raiseTx = db.transaction((a: Parameters<MonitoringRepo['raise']>[0], id: string, at: number) => {
    const open = s.openAlert.get(a.dedupKey) as AlertRow | undefined;
    const evidence = JSON.stringify(a.evidence);
    if (open) {
      s.bumpAlert.run(at, evidence, a.title, open.id);
      return { created: false, alert: alertFromRow(s.getAlert.get(open.id) as AlertRow) };
    }
    s.insertAlert.run({ ...a, id, at, evidence });
    const alert = alertFromRow(s.getAlert.get(id) as AlertRow);
    const body = JSON.stringify({ event: 'alert.opened', alert });
    for (const e of s.activeEndpoints.all() as EndpointRow[]) s.enqueue.run(id, e.id, body, at);
    return { created: true, alert };
  });
  const statusTx = db.transaction((id: string, to: 'acknowledged' | 'resolved', at: number, actor: string) => {
    const changed = (to === 'acknowledged' ? s.ack.run(actor, id) : s.resolve.run(actor, id)).changes === 1;
    if (changed) appendAudit({ actor, action: `alert.${to === 'acknowledged' ? 'ack' : 'resolve'}`, target: id, details: {} }, at);
    const r = s.getAlert.get(id) as AlertRow | undefined;
    return { changed, alert: r ? alertFromRow(r) : null };
  });
  const addEndpointTx = db.transaction((e: WebhookEndpoint, audit: AuditInput) => {
    s.addEndpoint.run(e.id, e.url, e.secret, e.createdAt, e.createdBy);
    appendAudit(audit, e.createdAt);
  });
  const disableTx = db.transaction((id: string, at: number, audit: AuditInput) => {
    const changed = s.disable.run(at, id).changes === 1;
    if (changed) appendAudit(audit, at);
    return changed;
  });

  return {
    pause: async (kind, value, reason, at, audit) => pauseTx.immediate(kind, value, reason, at, audit),
    resume: async (kind, value, at, audit) => resumeTx.immediate(kind, value, at, audit),
    activePauses: async () =>
      (s.pauses.all() as { scope_kind: string; scope_value: string; reason: string; actor: string; paused_at: number }[]).map(
        (r): ActivePause => ({ kind: r.scope_kind as PauseScope, value: r.scope_value, reason: r.reason, actor: r.actor, pausedAt: r.paused_at }),
      ),
    raise: async (a, id, at) => raiseTx.immediate(a, id, at),
    setAction: async (id, action) => void s.setAction.run(action, id),
    getAlert: async (id) => {
      const r = s.getAlert.get(id) as AlertRow | undefined;
      return r ? alertFromRow(r) : null;
    },
    listAlerts: async ({ status, limit, after }) => {
      const before = after ?? '\uffff';
      const rows = (status ? s.listStatus.all(status, before, limit + 1) : s.listAll.all(before, limit + 1)) as AlertRow[];
      const items = rows.slice(0, limit).map(alertFromRow);
      return { items, next: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
    },
    setAlertStatus: async (id, to, at, actor) => statusTx.immediate(id, to, at, actor),
    addEndpoint: async (e, audit) => addEndpointTx.immediate(e, audit),
    listEndpoints: async () => (s.endpoints.all() as EndpointRow[]).map(endpointFromRow),
    disableEndpoint: async (id, at, audit) => disableTx.immediate(id, at, audit),
    dueDeliveries: async (at, limit) => (s.due.all(at, limit) as DeliveryRow[]).map(deliveryFromRow),
    leaseDelivery: async (id, nextAt, leaseUntil) => s.lease.run(leaseUntil, id, nextAt).changes === 1,
    markDelivered: async (id, at) => void s.delivered.run(at, id),
    markFailed: async (id, error, nextAt) => void s.failed.run(nextAt === null ? 'dead' : 'pending', error.slice(0, 500), nextAt ?? 0, id),
    deliveries: async ({ status, alertId, limit }) => (s.deliveries.all({ status: status ?? null, alertId: alertId ?? null, limit }) as DeliveryRow[]).map(deliveryFromRow),
  };
}
