import type { PoolClient } from 'pg';
import { conflict } from '../../kernel/errors.ts';

/**
 * The money ledger (schemas/migrations/0501): double-entry, append-only, integer minor
 * units. A transfer's id is its idempotency key: posting the same transfer again is a no-op,
 * posting different entries under a used id is refused (409). Debits are positive.
 *
 * Accounts (text, by convention):
 *   person:<id>:receivable         what a person owes (an invoice debits it, a payment credits it)
 *   provider:<name>:<currency>     money a provider holds or paid out to the school
 *   revenue:<product>              what was sold (credited by invoices)
 *   expense:fees:<provider>        provider fees
 *   expense:grants / granted:<product>  the list value of periods given free (staff, seats)
 */
export type TransferKind = 'invoice' | 'payment' | 'refund' | 'fee' | 'grant' | 'correction' | 'reversal';
export interface Entry { account: string; currency: string; amountMinor: number }
export interface Transfer {
  id: string;
  kind: TransferKind;
  occurredAt: Date;
  personId?: string | null;
  reverses?: string | null;
  memo?: Record<string, unknown>;
  entries: Entry[];
}

const sameEntries = (a: Entry[], b: Entry[]) => {
  const key = (e: Entry) => `${e.account}|${e.currency}|${e.amountMinor}`;
  return JSON.stringify(a.map(key).sort()) === JSON.stringify(b.map(key).sort());
};

function check(t: Transfer): void {
  if (t.entries.length < 2) throw new Error(`transfer ${t.id} needs two entries at least`);
  const sums = new Map<string, number>();
  for (const e of t.entries) {
    if (!Number.isSafeInteger(e.amountMinor) || e.amountMinor === 0) throw new Error(`transfer ${t.id}: ${e.amountMinor} is not a whole non-zero amount of minor units`);
    if (!/^[A-Z]{3}$/.test(e.currency)) throw new Error(`transfer ${t.id}: ${e.currency} is not a currency code`);
    sums.set(e.currency, (sums.get(e.currency) ?? 0) + e.amountMinor);
  }
  for (const [currency, sum] of sums) if (sum !== 0) throw new Error(`transfer ${t.id} does not balance in ${currency}: ${sum}`);
}

/** Books `t` in the caller's transaction; false when it was booked before (the same entries). */
export async function postTransfer(tx: PoolClient, t: Transfer): Promise<boolean> {
  check(t);
  const inserted = await tx.query(
    `insert into billing_transfer (id, kind, occurred_at, person_id, reverses, memo) values ($1, $2, $3, $4, $5, $6)
     on conflict (id) do nothing`,
    [t.id, t.kind, t.occurredAt, t.personId ?? null, t.reverses ?? null, JSON.stringify(t.memo ?? {})]);
  if (inserted.rowCount === 0) {
    const { rows } = await tx.query<{ account: string; currency: string; amount_minor: string }>(
      'select account, currency, amount_minor from billing_entry where transfer_id = $1', [t.id]);
    const booked = rows.map((r) => ({ account: r.account, currency: r.currency, amountMinor: Number(r.amount_minor) }));
    if (!sameEntries(booked, t.entries)) throw conflict('TRANSFER_ID_REUSED', `transfer ${t.id} was booked before with other entries`);
    return false;
  }
  await tx.query(
    `insert into billing_entry (transfer_id, account, currency, amount_minor)
     select $1, a, c, m from unnest($2::text[], $3::text[], $4::bigint[]) as e(a, c, m)`,
    [t.id, t.entries.map((e) => e.account), t.entries.map((e) => e.currency), t.entries.map((e) => e.amountMinor)]);
  return true;
}

/** Reverses exactly what `originalId` booked, under the id `id` (once: a second reversal is refused). */
export async function reverseTransfer(tx: PoolClient, originalId: string, r: { id: string; kind: 'refund' | 'reversal' | 'correction'; occurredAt: Date; memo?: Record<string, unknown> }): Promise<boolean> {
  const { rows } = await tx.query<{ account: string; currency: string; amount_minor: string; person_id: string | null }>(
    `select e.account, e.currency, e.amount_minor, t.person_id from billing_entry e join billing_transfer t on t.id = e.transfer_id where e.transfer_id = $1`, [originalId]);
  if (rows.length === 0) throw conflict('TRANSFER_NOT_FOUND', `no transfer ${originalId} to reverse`);
  return postTransfer(tx, {
    id: r.id, kind: r.kind, occurredAt: r.occurredAt, personId: rows[0]!.person_id, reverses: originalId, memo: r.memo,
    entries: rows.map((e) => ({ account: e.account, currency: e.currency, amountMinor: -Number(e.amount_minor) })),
  });
}

/** An account's balance per currency, derived from its entries. */
export async function balanceOf(db: Pick<PoolClient, 'query'>, account: string): Promise<Record<string, number>> {
  const { rows } = await db.query<{ currency: string; balance: string }>(
    'select currency, sum(amount_minor)::text as balance from billing_entry where account = $1 group by currency', [account]);
  return Object.fromEntries(rows.map((r) => [r.currency, Number(r.balance)]));
}

/** A person's payments and refunds, newest first, as the amount they moved off their receivable. */
export async function paymentsOf(db: Pick<PoolClient, 'query'>, personId: string, limit: number): Promise<{ id: string; kind: string; at: Date; provider: string | null; currency: string; amountMinor: number }[]> {
  const { rows } = await db.query<{ id: string; kind: string; occurred_at: Date; provider: string | null; currency: string; amount_minor: string }>(
    `select t.id, t.kind, t.occurred_at, t.memo ->> 'provider' as provider, e.currency, e.amount_minor::text as amount_minor
     from billing_transfer t join billing_entry e on e.transfer_id = t.id and e.account = 'person:' || t.person_id || ':receivable'
     where t.person_id = $1 and t.kind in ('payment', 'refund') order by t.occurred_at desc limit $2`, [personId, limit]);
  return rows.map((r) => ({ id: r.id, kind: r.kind, at: r.occurred_at, provider: r.provider, currency: r.currency, amountMinor: -Number(r.amount_minor) }));
}
