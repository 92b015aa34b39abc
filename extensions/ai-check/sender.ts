import type pg from 'pg';
import type { Logger } from 'pino';
import type { Clock } from '../../kernel/clock.ts';
import { retryPlan } from '../../kernel/loop.ts';
import { recordDeadLetter } from './dead-letters.ts';
import { claimDueNotices, markNoticeFailed, markNoticeSent, type Channel, type OutboxRow } from './outbox.ts';
import { DeliveryError, type TelegramClient } from './telegram.ts';

/**
 * Drains ai_outbox. A row is leased before it is sent (concurrent senders skip it) and
 * marked sent with the provider's message id after; a failure is retried with backoff,
 * and after `maxAttempts` (or at once, when retrying cannot help) it is dead and listed
 * among the dead letters. The one window for a second delivery is a crash between the
 * provider's answer and the mark: Telegram has no idempotency key to close it.
 */
export interface Mailer {
  send(mail: { to: string; subject: string; text: string }): Promise<{ id: string }>;
}

export interface SenderDeps {
  db: pg.Pool;
  log: Logger;
  clock: Clock;
  telegram: TelegramClient | null;
  /** No mailer: e-mail rows wait in the outbox (nothing lost) until one is configured. */
  mailer: Mailer | null;
  maxAttempts: number;
  leaseMs: number;
  backoffMs: number;
}

export interface DrainResult {
  sent: number;
  failed: number;
  dead: number;
}

async function deliver(deps: SenderDeps, row: OutboxRow): Promise<string> {
  if (row.channel === 'telegram') return (await deps.telegram!.sendMessage(row.recipient, row.body)).messageId;
  try {
    return (await deps.mailer!.send({ to: row.recipient, subject: row.subject, text: row.body })).id;
  } catch (e) {
    throw e instanceof DeliveryError ? e : new DeliveryError(`email: ${(e as Error).message}`, false);
  }
}

async function sendOne(deps: SenderDeps, row: OutboxRow, result: DrainResult): Promise<void> {
  const { db, log, clock } = deps;
  try {
    const messageId = await deliver(deps, row);
    await markNoticeSent(db, row.id, messageId, clock());
    result.sent++;
  } catch (e) {
    if (!(e instanceof DeliveryError)) throw e;
    const now = clock();
    const plan = e.permanent ? { dead: true as const } : retryPlan(row.attempts, { maxAttempts: deps.maxAttempts, backoffMs: deps.backoffMs, now });
    if (plan.dead) {
      await markNoticeFailed(db, row.id, e.message, 'dead');
      await recordDeadLetter(db, 'outbox', row.id, e.message, row.attempts, now);
      result.dead++;
    } else {
      // The provider's Retry-After, when it gives one, replaces the backoff.
      await markNoticeFailed(db, row.id, e.message, e.retryAfterMs === null ? plan.at : new Date(now.getTime() + e.retryAfterMs));
      result.failed++;
    }
    log.warn({ component: 'ai-check', outbox: row.id, channel: row.channel, attempt: row.attempts, err: e.message }, 'notification not delivered');
  }
}

/** Sends everything due now, batch after batch, and returns what happened. */
export async function drainOutbox(deps: SenderDeps, batch = 20): Promise<DrainResult> {
  const channels: Channel[] = [];
  if (deps.telegram) channels.push('telegram');
  if (deps.mailer) channels.push('email');
  const result: DrainResult = { sent: 0, failed: 0, dead: 0 };
  if (channels.length === 0) return result;
  for (;;) {
    const rows = await claimDueNotices(deps.db, channels, deps.clock(), deps.leaseMs, batch);
    if (rows.length === 0) return result;
    await Promise.all(rows.map((row) => sendOne(deps, row, result)));
  }
}
