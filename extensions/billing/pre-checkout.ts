import type { PoolClient } from 'pg';
import type { Consumer } from '../../kernel/capability.ts';
import { InvalidPayload } from '../../kernel/errors.ts';
import { pickLang } from '../../kernel/lang.ts';
import { BotApiError, botResults, type BotApi } from '../../kernel/telegram-bot.ts';
import { issuesOf } from '../../kernel/validation.ts';
import { preCheckoutQuery, type PreCheckoutQuery } from '../../schemas/events/telegram.ts';
import { telegramText, type PreCheckoutRefusal } from './messages.ts';
import { subscriptionBySource } from './subscriptions-store.ts';
import { preCheckoutRecorded, recordPreCheckout } from './telegram-charges.ts';

/**
 * Telegram's pre-checkout query (issue 14): the payer pressed Pay, and Telegram takes the
 * money only if we answer ok within 10 seconds of sending the query. We answer ok when the
 * invoice is still payable as ordered; else a refusal the payer reads in their language.
 */

/** What an invoice's attempt is now, as the pre-checkout looks at it. */
export interface PayableState {
  attemptStatus: string;
  orderStatus: string;
  amountMinor: number;
  currency: string;
  planSold: boolean;
  planArchived: boolean;
  /** The person already holds the plan (an archived plan is still renewed by its holders). */
  holder: boolean;
}

export type PreCheckoutVerdict = { ok: true } | { ok: false; reason: PreCheckoutRefusal };

/** Pure: whether the invoice may be paid now. */
export function preCheckoutVerdict(state: PayableState | null, q: Pick<PreCheckoutQuery, 'currency' | 'total_amount'>): PreCheckoutVerdict {
  if (!state) return { ok: false, reason: 'unknown_order' };
  if (state.orderStatus === 'paid' || state.attemptStatus === 'succeeded') return { ok: false, reason: 'paid' };
  if (state.orderStatus !== 'open' || state.attemptStatus !== 'created') return { ok: false, reason: 'closed' };
  if (q.currency !== state.currency || q.total_amount !== state.amountMinor) return { ok: false, reason: 'amount_changed' };
  if (!state.planSold) return { ok: false, reason: 'plan_gone' };
  if (state.planArchived && !state.holder) return { ok: false, reason: 'plan_archived' };
  return { ok: true };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function payableState(tx: PoolClient, invoicePayload: string): Promise<PayableState | null> {
  if (!UUID.test(invoicePayload)) return null;
  const row = (await tx.query<{ attempt_status: string; order_status: string; amount_minor: string; currency: string; person_id: string; plan_id: number; plan_sold: boolean | null; archived: boolean | null }>(
    `select a.status as attempt_status, o.status as order_status, o.amount_minor, o.currency, o.person_id, o.plan_id,
       (pl.id is not null and not pl.deleted and pr.id is not null and not pr.deleted) as plan_sold, pl.archived
     from billing_attempt a join billing_order o on o.id = a.order_id
       left join billing_plan pl on pl.id = o.plan_id left join billing_product pr on pr.id = pl.product_id
     where a.id = $1 and a.provider = 'telegram'`, [invoicePayload])).rows[0];
  if (!row) return null;
  return {
    attemptStatus: row.attempt_status, orderStatus: row.order_status, amountMinor: Number(row.amount_minor), currency: row.currency.trim(),
    planSold: row.plan_sold ?? false, planArchived: row.archived ?? false,
    holder: row.archived ? Boolean(await subscriptionBySource(tx, `paid:${row.person_id}:${row.plan_id}`)) : false,
  };
}

/** Telegram counts 10 s from sending the query; we answer only within 9 s of receiving it, leaving the answer its trip. */
export const PRE_CHECKOUT_ANSWER_WITHIN_MS = 9_000;

/**
 * The consumer. It has its own queue and the urgent dispatch path (Consumer.urgent): a
 * backlog of other topics never stands before it. A query older than the deadline when it
 * is handled (a retry after a failed answer, a backlog of its own) is never answered: an ok
 * Telegram no longer waits for would be a lie in our records, and a late answer is refused.
 * Each query is recorded once with what became of it (billing_telegram_pre_checkout).
 */
export function preCheckoutConsumer(deps: { bot: BotApi; answerWithinMs?: number }): Consumer {
  const within = deps.answerWithinMs ?? PRE_CHECKOUT_ANSWER_WITHIN_MS;
  return {
    name: 'billing.telegram_pre_checkout',
    topics: ['telegram.pre_checkout_query'],
    callsOut: true,
    urgent: true,
    async handle(event, { tx, log }) {
      const parsed = preCheckoutQuery.safeParse(event.payload);
      if (!parsed.success) throw new InvalidPayload(issuesOf(parsed.error), 'Telegram pre_checkout_query is not valid');
      const q = parsed.data;
      if (await preCheckoutRecorded(tx, q.id)) return;
      const record = { queryId: q.id, invoicePayload: q.invoice_payload, telegramUserId: q.from.id, currency: q.currency, totalAmount: q.total_amount, receivedAt: event.receivedAt };
      const ageMs = async () => Number((await tx.query<{ ms: string }>('select (extract(epoch from clock_timestamp() - $1::timestamptz) * 1000)::bigint as ms', [event.receivedAt])).rows[0]!.ms);
      if (await ageMs() > within) {
        await recordPreCheckout(tx, { ...record, outcome: 'expired', ok: null, reason: null, answerMs: null });
        log.warn({ component: 'billing', query: q.id }, 'pre-checkout query handled too late for Telegram: not answered');
        return;
      }
      const verdict = preCheckoutVerdict(await payableState(tx, q.invoice_payload), q);
      const lang = pickLang(undefined, undefined, q.from.language_code);
      const reason = verdict.ok ? null : verdict.reason;
      try {
        await deps.bot.call('answerPreCheckoutQuery', verdict.ok
          ? { pre_checkout_query_id: q.id, ok: true }
          : { pre_checkout_query_id: q.id, ok: false, error_message: telegramText(`refused_${verdict.reason}`, lang) }, botResults.ok);
      } catch (e) {
        // Telegram refused the answer itself (too late, an unknown query): nothing to send again.
        if (!(e instanceof BotApiError && e.permanent)) throw e;
        await recordPreCheckout(tx, { ...record, outcome: 'rejected', ok: verdict.ok, reason: reason ?? e.description, answerMs: await ageMs() });
        log.warn({ component: 'billing', query: q.id, err: e.message }, 'Telegram refused our pre-checkout answer');
        return;
      }
      const answerMs = await ageMs();
      await recordPreCheckout(tx, { ...record, outcome: 'answered', ok: verdict.ok, reason, answerMs });
      log.info({ component: 'billing', query: q.id, ok: verdict.ok, reason, answerMs }, 'pre-checkout query answered');
    },
  };
}
