import type { AccountEvent, AccountEventType, AccountRecord } from '../../core/accounts/account.js';
import { applyAccountEvent } from '../../core/accounts/apply.js';
import type { AccountId } from '../../core/shared/ids.js';
import type { AccountRepo } from '../../ports/store.js';
import type { SqliteDb } from './database.js';

interface EventRow {
  seq: number;
  account_id: string;
  type: string;
  at: number;
  phone: string | null;
  device_id: string | null;
  ip: string | null;
  identity_hash: string | null;
  identity_verified: number;
  amount_fen: number | null;
}

export interface AccountRow {
  id: string;
  first_seen_at: number;
  registered_at: number | null;
  last_seen_at: number;
  phone: string | null;
  identity_hash: string | null;
  identity_verified: number;
  purchases: number;
  purchase_fen: number;
  logins: number;
}

export const accountFromRow = (r: AccountRow): AccountRecord => ({
  id: r.id as AccountId,
  firstSeenAt: r.first_seen_at,
  registeredAt: r.registered_at,
  lastSeenAt: r.last_seen_at,
  phone: r.phone,
  identityHash: r.identity_hash,
  identityVerified: r.identity_verified === 1,
  purchases: r.purchases,
  purchaseFen: r.purchase_fen,
  logins: r.logins,
});

/** Statements to read and write an account row; the change itself is the core's `apply*`. */
export function accountStatements(db: SqliteDb) {
  const get = db.prepare('SELECT * FROM accounts WHERE id = ?');
  // An upsert, not INSERT OR REPLACE: REPLACE deletes the row and inserts it again (two writes to
  // the table and to its id index) for every returning account on every claim.
  const put = db.prepare(
    `INSERT INTO accounts (id, first_seen_at, registered_at, last_seen_at, phone, identity_hash, identity_verified, purchases, purchase_fen, logins)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET first_seen_at = excluded.first_seen_at, registered_at = excluded.registered_at, last_seen_at = excluded.last_seen_at,
       phone = excluded.phone, identity_hash = excluded.identity_hash, identity_verified = excluded.identity_verified,
       purchases = excluded.purchases, purchase_fen = excluded.purchase_fen, logins = excluded.logins`,
  );
  return {
    get: (id: string): AccountRecord | null => {
      const r = get.get(id) as AccountRow | undefined;
      return r ? accountFromRow(r) : null;
    },
    put: (a: AccountRecord) =>
      void put.run(a.id, a.firstSeenAt, a.registeredAt, a.lastSeenAt, a.phone, a.identityHash, a.identityVerified ? 1 : 0, a.purchases, a.purchaseFen, a.logins),
  };
}

export function sqliteAccountRepo(db: SqliteDb): AccountRepo {
  const acc = accountStatements(db);
  const insertEvent = db.prepare(
    'INSERT INTO account_events (account_id, type, at, phone, device_id, ip, identity_hash, identity_verified, amount_fen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const link = db.prepare('INSERT OR IGNORE INTO account_identities (account_id, identity_hash, first_at) VALUES (?, ?, ?)');
  const scan = db.prepare('SELECT * FROM account_events WHERE seq > ? AND at >= ? AND at < ? ORDER BY seq LIMIT 1000');
  const record = db.transaction((e: AccountEvent) => {
    insertEvent.run(e.accountId, e.type, e.at, e.phone, e.deviceId, e.ip, e.identityHash, e.identityVerified ? 1 : 0, e.amountFen);
    acc.put(applyAccountEvent(acc.get(e.accountId), e));
    if (e.identityHash) link.run(e.accountId, e.identityHash, e.at);
  });
  return {
    recordEvent: async (e) => record.immediate(e),
    get: async (id) => acc.get(id),
    async *scanEvents({ from, to }) {
      // Pages of 1,000 so a long scan never holds a read transaction open across awaits.
      let seq = 0;
      for (;;) {
        const rows = scan.all(seq, from, to) as EventRow[];
        for (const r of rows)
          yield {
            type: r.type as AccountEventType,
            accountId: r.account_id as AccountId,
            at: r.at,
            phone: r.phone,
            deviceId: r.device_id,
            ip: r.ip,
            identityHash: r.identity_hash,
            identityVerified: r.identity_verified === 1,
            amountFen: r.amount_fen,
          };
        if (rows.length < 1000) return;
        seq = rows.at(-1)!.seq;
      }
    },
  };
}
