import { ACCOUNT_CLASSES, type AccountClass } from './incident.js';
import type { AccountClassInput } from './use-cases.js';

/**
 * Lists uploaded as CSV (a police list of orders, an operator's list of accounts): one entry per
 * line, in the first column; blank lines and `#` comments are skipped, and so is a first line that
 * is a header (it names a column instead of holding a value). Quotes around a cell are removed.
 */
function rows(text: string): string[][] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1')));
}

const HEADER = /^(kind|value|id|account|account_id|accountid|order|order_id|orderid|code|code_id|coupon|target|topup_target|campaign|campaign_id|rule|ring|batch|batch_id)$/i;

export function parseValueList(text: string): string[] {
  const r = rows(text);
  if (r.length && HEADER.test(r[0]![0] ?? '')) r.shift();
  return r.map((cells) => cells[0] ?? '').filter(Boolean);
}

/** `account_id[,class[,ring]]` per line; `cls` is the class of lines that do not name one. */
export function parseAccountList(text: string, cls?: AccountClass): { ok: true; accounts: AccountClassInput[] } | { ok: false; message: string } {
  const r = rows(text);
  if (r.length && HEADER.test(r[0]![0] ?? '')) r.shift();
  const out: AccountClassInput[] = [];
  for (const [i, cells] of r.entries()) {
    const c = (cells[1] || cls) as AccountClass | undefined;
    if (!c || !ACCOUNT_CLASSES.includes(c)) return { ok: false, message: `line ${i + 1}: the class must be ${ACCOUNT_CLASSES.join(' or ')} (a second column, or given for the whole file)` };
    out.push({ accountId: cells[0]!, class: c, ring: cells[2] || null });
  }
  return { ok: true, accounts: out };
}
