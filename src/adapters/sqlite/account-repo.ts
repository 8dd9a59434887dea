import type { AccountRecord } from '../../core/accounts/account.js';
import type { AccountId } from '../../core/shared/ids.js';
import type { AccountRepo } from '../../ports/store.js';
import type { SqliteDb } from './database.js';

interface AccountRow {
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

export function sqliteAccountRepo(db: SqliteDb): AccountRepo {
  const insertEvent = db.prepare(
    'INSERT INTO account_events (account_id, type, at, phone, device_id, ip, identity_hash, amount_fen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const upsert = db.prepare(
    `INSERT INTO accounts (id, first_seen_at, registered_at, last_seen_at, phone, identity_hash, identity_verified, purchases, purchase_fen, logins)
     VALUES (@id, @at, @registeredAt, @at, @phone, @identityHash, @verified, @purchase, @fen, @login)
     ON CONFLICT (id) DO UPDATE SET
       first_seen_at = min(first_seen_at, excluded.first_seen_at),
       registered_at = coalesce(registered_at, excluded.registered_at),
       last_seen_at = max(last_seen_at, excluded.last_seen_at),
       phone = coalesce(excluded.phone, phone),
       identity_hash = coalesce(excluded.identity_hash, identity_hash),
       identity_verified = max(identity_verified, excluded.identity_verified),
       purchases = purchases + excluded.purchases,
       purchase_fen = purchase_fen + excluded.purchase_fen,
       logins = logins + excluded.logins`,
  );
  const link = db.prepare('INSERT OR IGNORE INTO account_identities (account_id, identity_hash, first_at) VALUES (?, ?, ?)');
  const get = db.prepare('SELECT * FROM accounts WHERE id = ?');
  const record = db.transaction((e: Parameters<AccountRepo['recordEvent']>[0]) => {
    insertEvent.run(e.accountId, e.type, e.at, e.phone, e.deviceId, e.ip, e.identityHash, e.amountFen);
    upsert.run({
      id: e.accountId,
      at: e.at,
      registeredAt: e.type === 'registration' ? e.at : null,
      phone: e.phone,
      identityHash: e.identityHash,
      verified: e.identityVerified ? 1 : 0,
      purchase: e.type === 'purchase' ? 1 : 0,
      fen: e.type === 'purchase' ? (e.amountFen ?? 0) : 0,
      login: e.type === 'login' ? 1 : 0,
    });
    if (e.identityHash) link.run(e.accountId, e.identityHash, e.at);
  });
  return {
    recordEvent: async (e) => record.immediate(e),
    get: async (id) => {
      const r = get.get(id) as AccountRow | undefined;
      if (!r) return null;
      return {
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
      } satisfies AccountRecord;
    },
  };
}
