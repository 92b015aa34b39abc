import type { Pool, PoolClient } from 'pg';

/** Telegram's payments and pre-checkout answers as billing records them (0550). */
export interface TelegramCharge { chargeId: string; attemptId: string; telegramUserId: number; amountMinor: number; currency: string; paidAt: Date }

export async function recordTelegramCharge(tx: PoolClient, c: TelegramCharge): Promise<void> {
  await tx.query(`insert into billing_telegram_charge (charge_id, attempt_id, telegram_user_id, amount_minor, currency, paid_at)
    values ($1, $2, $3, $4, $5, $6) on conflict (charge_id) do nothing`,
  [c.chargeId, c.attemptId, c.telegramUserId, c.amountMinor, c.currency, c.paidAt]);
}

export async function telegramChargeOf(db: Pool | PoolClient, chargeId: string): Promise<TelegramCharge | null> {
  const { rows } = await db.query<{ attempt_id: string; telegram_user_id: string; amount_minor: string; currency: string; paid_at: Date }>(
    'select attempt_id, telegram_user_id, amount_minor, currency, paid_at from billing_telegram_charge where charge_id = $1', [chargeId]);
  const r = rows[0];
  return r ? { chargeId, attemptId: r.attempt_id, telegramUserId: Number(r.telegram_user_id), amountMinor: Number(r.amount_minor), currency: r.currency, paidAt: r.paid_at } : null;
}

export type PreCheckoutOutcome = 'answered' | 'expired' | 'rejected';

export interface PreCheckoutRecord {
  queryId: string;
  invoicePayload: string;
  telegramUserId: number;
  currency: string;
  totalAmount: number;
  outcome: PreCheckoutOutcome;
  ok: boolean | null;
  reason: string | null;
  receivedAt: Date;
  answerMs: number | null;
}

export async function recordPreCheckout(tx: PoolClient, r: PreCheckoutRecord): Promise<void> {
  await tx.query(`insert into billing_telegram_pre_checkout (query_id, invoice_payload, telegram_user_id, currency, total_amount, outcome, ok, reason, received_at, answer_ms)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict (query_id) do nothing`,
  [r.queryId, r.invoicePayload.slice(0, 256), r.telegramUserId, r.currency, r.totalAmount, r.outcome, r.ok, r.reason, r.receivedAt, r.answerMs]);
}

export async function preCheckoutRecorded(tx: PoolClient, queryId: string): Promise<boolean> {
  return ((await tx.query('select 1 from billing_telegram_pre_checkout where query_id = $1', [queryId])).rowCount ?? 0) > 0;
}
