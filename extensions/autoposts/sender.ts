import type pg from 'pg';
import type { Logger } from 'pino';
import type { Clock } from '../../kernel/clock.ts';
import { retryPlan } from '../../kernel/loop.ts';
import { BotApiError, botResults, type BotApi } from '../../kernel/telegram-bot.ts';
import { abandonSending, claim, deferChat, dueDeliveries, markFinal, markSent, recentSends, retryAt, type DueDelivery } from './deliveries-store.ts';
import { createLimiter, type RateLimits } from './limiter.ts';

/**
 * Sends the pending deliveries that are due, within Telegram's limits: a chat whose minute
 * is full is put off until it has room (its rows' next_attempt_at, so the next rounds skip
 * it), and the overall limit is waited out here (under a second). What Telegram answers
 * decides each row: sent; 429 waits its retry_after (and so does every row of that chat);
 * 400/403 (chat not found, bot kicked or blocked) fails for good with Telegram's words; 5xx
 * or a refused connection is retried with backoff; an answer lost after the request left
 * (a timeout, a reset) is `unknown`, never sent again. 401/404 (our token or URL is wrong)
 * ends the round with the row untouched: nothing is lost while the bot is misconfigured.
 */
export interface SenderDeps {
  db: pg.Pool;
  log: Logger;
  clock: Clock;
  bot: BotApi;
  limits: RateLimits;
  /** Waits `ms` of the clock's time (tests run a faster clock). */
  sleep: (ms: number) => Promise<void>;
  /** Asked between sends: stop early (the service is stopping). */
  stopping: () => boolean;
  leaseMs: number;
  maxAttempts: number;
  backoffMs: number;
}

export interface SendReport { sent: number; failed: number; unknown: number; retried: number; deferred: number }

// The request never reached Telegram: safe to send again.
const NOT_SENT = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH/;

const messageResult = botResults.message;

type Outcome = { kind: 'sent'; messageId: number } | { kind: 'failed' | 'unknown'; error: string } | { kind: 'wait'; ms: number; error: string }
  | { kind: 'retry'; error: string } | { kind: 'misconfigured'; error: string };

export function outcomeOf(e: unknown): Outcome {
  if (!(e instanceof BotApiError)) return { kind: 'unknown', error: (e as Error).message };
  const error = `${e.code}: ${e.description}`;
  if (e.code === 429) return { kind: 'wait', ms: e.retryAfterMs ?? 1000, error };
  if (e.code === 401 || e.code === 404) return { kind: 'misconfigured', error };
  if (e.permanent) return { kind: 'failed', error };
  if (e.code === 0) return NOT_SENT.test(e.description) ? { kind: 'retry', error } : { kind: 'unknown', error: `no answer from Telegram (${e.description})` };
  // An answer that is not the Bot API's, or a result we cannot read: it may have been sent.
  if (e.code === 200) return { kind: 'unknown', error };
  return { kind: 'retry', error };
}

async function sendOne(deps: SenderDeps, d: DueDelivery, report: SendReport, onSent: (at: number) => void): Promise<Date | null> {
  const { db, clock } = deps;
  const at = clock();
  if (!(await claim(db, d.id, at, deps.leaseMs))) return null;
  onSent(at.getTime());
  let outcome: Outcome;
  try {
    const message = await deps.bot.call('sendMessage', { chat_id: d.chat, text: d.body }, messageResult);
    outcome = { kind: 'sent', messageId: message.message_id };
  } catch (e) {
    outcome = outcomeOf(e);
  }
  const now = clock();
  switch (outcome.kind) {
    case 'sent':
      await markSent(db, d.id, outcome.messageId, now);
      report.sent++;
      return null;
    case 'failed':
    case 'unknown':
      await markFinal(db, d.id, outcome.kind, outcome.error);
      report[outcome.kind]++;
      deps.log.warn({ component: 'autoposts', post: d.postId, chat: d.chat, err: outcome.error }, outcome.kind === 'failed' ? 'Telegram refused the post' : 'the post may or may not have arrived; not sent again');
      return null;
    case 'wait': {
      const until = new Date(now.getTime() + outcome.ms);
      await retryAt(db, d.id, until, outcome.error, false);
      await deferChat(db, d.chat, until);
      report.retried++;
      return until;
    }
    case 'retry': {
      const plan = retryPlan(d.attempts + 1, { maxAttempts: deps.maxAttempts, backoffMs: deps.backoffMs, now });
      if (plan.dead) {
        await markFinal(db, d.id, 'failed', outcome.error);
        report.failed++;
      } else {
        await retryAt(db, d.id, plan.at, outcome.error, true);
        report.retried++;
      }
      return null;
    }
    case 'misconfigured':
      await retryAt(db, d.id, now, outcome.error, false);
      throw new Error(`Telegram refused the bot (${outcome.error}): check TELEGRAM_BOT_TOKEN and TELEGRAM_API_URL`);
  }
}

/** One pass over what is due now; returns what happened. */
export async function sendDue(deps: SenderDeps, batch = 100): Promise<SendReport> {
  const report: SendReport = { sent: 0, failed: 0, unknown: 0, retried: 0, deferred: 0 };
  const { db, clock, limits } = deps;
  await abandonSending(db, clock());
  const limiter = createLimiter(limits);
  const since = new Date(clock().getTime() - Math.max(limits.perChat.windowMs, limits.overall.windowMs));
  for (const s of await recentSends(db, since)) limiter.record(s.chat, s.at.getTime());

  while (!deps.stopping()) {
    const due = await dueDeliveries(db, clock(), batch);
    if (due.length === 0) break;
    let progressed = false;
    const putOff = new Set<string>();
    for (const d of due) {
      if (deps.stopping()) break;
      if (putOff.has(d.chat)) continue;
      const now = clock().getTime();
      const chatFree = limiter.chatFreeAt(d.chat, now);
      if (chatFree > now) {
        await deferChat(db, d.chat, new Date(chatFree));
        putOff.add(d.chat);
        report.deferred++;
        progressed = true;
        continue;
      }
      const overallFree = limiter.overallFreeAt(now);
      if (overallFree > now) await deps.sleep(overallFree - now);
      const waitUntil = await sendOne(deps, d, report, (at) => limiter.record(d.chat, at));
      if (waitUntil) limiter.block(d.chat, waitUntil.getTime());
      progressed = true;
    }
    if (!progressed) break;
  }
  return report;
}
