import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Lang } from '../../kernel/lang.ts';
import { retryPlan } from '../../kernel/loop.ts';
import { botResults, BotApiError, type BotApi } from '../../kernel/telegram-bot.ts';
import { orderPagePath } from './checkout.ts';
import { paidNotice, reminderNotice, text, type NoticeText } from './messages.ts';
import { parseNextSteps, plainNextSteps } from './next-steps.ts';
import {
  claimDueNotices, markNoticeFailed, markNoticeSent, markNoticeSkipped, orderView, reminderView, type DueNotice,
} from './notices-store.ts';

/**
 * Delivers billing_notice rows: each is leased, composed in the person's language when it
 * goes out (so the payment's transaction never waits on Kratos or NocoDB), sent on Telegram
 * when the person has a verified Telegram link, else to their verified e-mail (and by
 * e-mail when Telegram refuses for good: the bot blocked, the chat gone), then marked sent.
 * A failure is retried with backoff and is dead after `maxAttempts` (staff see it in
 * billing_notices). As in ai-check's sender, the one window for a second message is a crash
 * between the provider's answer and the mark: neither Telegram nor SMTP takes a key.
 */
export interface Mailer {
  send(mail: { to: string; subject: string; text: string }): Promise<{ id: string }>;
}

/** How a person is reached, as identity and points know them: verified addresses only. */
export interface Contact { locale: Lang; telegramChatId: string | null; email: string | null }

export type InviteLinks = (personId: string, productId: number) => Promise<{ title: string; url: string }[]>;

export interface NoticeSenderDeps {
  db: Pool;
  log: Logger;
  clock: () => Date;
  publicUrl: string;
  telegram: BotApi | null;
  mailer: Mailer | null;
  contactOf: (personId: string) => Promise<Contact | null>;
  inviteLinks?: InviteLinks;
  maxAttempts?: number;
  leaseMs?: number;
  backoffMs?: number;
}

class NotDelivered extends Error {
  constructor(message: string, readonly retryAfterMs: number | null = null) { super(message); }
}

type Composed = { skip: string } | { notice: NoticeText };

async function compose(deps: NoticeSenderDeps, row: DueNotice, lang: Lang): Promise<Composed> {
  const base = deps.publicUrl;
  if (row.kind === 'paid') {
    const order = row.orderId ? await orderView(deps.db, row.orderId) : null;
    if (!order) return { skip: 'the order is gone' };
    const source = order.nextSteps[lang] ?? order.nextSteps.ru ?? order.nextSteps.en ?? text('defaultNextSteps', lang);
    let chats: { title: string; url: string }[] = [];
    if (deps.inviteLinks && order.productId !== null) {
      try {
        chats = await deps.inviteLinks(order.personId, order.productId);
      } catch (e) {
        // Links are also on the order's page: after half the attempts the message goes without them.
        if (row.attempts < Math.ceil((deps.maxAttempts ?? 8) / 2)) throw new NotDelivered(`invite links: ${(e as Error).message}`);
        deps.log.warn({ component: 'billing', notice: row.id, err: (e as Error).message }, 'what-next message sent without invite links');
      }
    }
    return { notice: paidNotice({ product: order.product, plan: order.plan, nextSteps: plainNextSteps(parseNextSteps(source), base), chats, orderUrl: `${base}${orderPagePath(order.id)}` }, lang) };
  }
  const s = row.subscriptionId ? await reminderView(deps.db, row.subscriptionId) : null;
  if (!s) return { skip: 'the subscription is gone' };
  if (!['trial', 'active', 'past_due'].includes(s.status) || s.endsOn !== row.endsOn) return { skip: `no longer due: ${s.status}, last day ${s.endsOn ?? 'none'}` };
  return { notice: reminderNotice({
    product: s.product, plan: s.plan, kind: s.kind, endsOn: s.endsOn!,
    payUrl: s.kind === 'paid' ? `${base}/billing/renew/${s.planId}` : null, subscriptionsUrl: `${base}/subscriptions`,
  }, lang) };
}

async function deliver(deps: NoticeSenderDeps, contact: Contact, notice: NoticeText): Promise<{ channel: 'telegram' | 'email'; recipient: string; messageId: string }> {
  const refused: string[] = [];
  if (deps.telegram && contact.telegramChatId) {
    try {
      const m = await deps.telegram.call('sendMessage', { chat_id: contact.telegramChatId, text: notice.body.slice(0, 4096), link_preview_options: { is_disabled: true } }, botResults.message);
      return { channel: 'telegram', recipient: contact.telegramChatId, messageId: String(m.message_id) };
    } catch (e) {
      if (!(e instanceof BotApiError)) throw e;
      if (!e.permanent || !(deps.mailer && contact.email)) throw new NotDelivered(e.message, e.retryAfterMs);
      refused.push(e.message);
    }
  }
  if (deps.mailer && contact.email) {
    try {
      const sent = await deps.mailer.send({ to: contact.email, subject: notice.subject, text: notice.body });
      return { channel: 'email', recipient: contact.email, messageId: sent.id };
    } catch (e) {
      throw new NotDelivered(`email: ${(e as Error).message}`);
    }
  }
  throw new NotDelivered(refused[0] ?? (contact.telegramChatId || contact.email
    ? 'no channel configured for this person\'s addresses (TELEGRAM_BOT_TOKEN, SMTP_URL)'
    : 'the person has no verified Telegram link and no verified e-mail yet'));
}

async function sendOne(deps: NoticeSenderDeps, row: DueNotice, result: NoticeDrain): Promise<void> {
  try {
    const contact = await deps.contactOf(row.personId);
    if (!contact) {
      await markNoticeSkipped(deps.db, row.id, 'the person is gone');
      result.skipped++;
      return;
    }
    const composed = await compose(deps, row, contact.locale);
    if ('skip' in composed) {
      await markNoticeSkipped(deps.db, row.id, composed.skip);
      result.skipped++;
      return;
    }
    const sent = await deliver(deps, contact, composed.notice);
    await markNoticeSent(deps.db, row.id, sent, deps.clock());
    result.sent++;
  } catch (e) {
    const now = deps.clock();
    const retryAfter = e instanceof NotDelivered ? e.retryAfterMs : null;
    const plan = retryPlan(row.attempts, { maxAttempts: deps.maxAttempts ?? 8, backoffMs: deps.backoffMs ?? 30_000, now });
    await markNoticeFailed(deps.db, row.id, (e as Error).message, plan.dead ? 'dead' : retryAfter !== null ? new Date(now.getTime() + Math.max(retryAfter, 1000)) : plan.at);
    if (plan.dead) result.dead++;
    else result.failed++;
    deps.log.warn({ component: 'billing', notice: row.id, kind: row.kind, attempt: row.attempts, err: (e as Error).message }, plan.dead ? 'billing message given up' : 'billing message not delivered yet');
  }
}

export interface NoticeDrain { sent: number; skipped: number; failed: number; dead: number }

/** Sends everything due now, batch after batch. */
export async function drainNotices(deps: NoticeSenderDeps, batch = 20): Promise<NoticeDrain> {
  const result: NoticeDrain = { sent: 0, skipped: 0, failed: 0, dead: 0 };
  // Neither channel configured: the rows wait (nothing lost) until one is.
  if (!deps.telegram && !deps.mailer) return result;
  for (;;) {
    const rows = await claimDueNotices(deps.db, deps.clock(), deps.leaseMs ?? 60_000, batch);
    if (rows.length === 0) return result;
    await Promise.all(rows.map((row) => sendOne(deps, row, result)));
  }
}
