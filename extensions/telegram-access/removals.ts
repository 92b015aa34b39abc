import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { inTransaction } from '../../kernel/db.ts';
import { BotApiError } from '../../kernel/telegram-bot.ts';
import { refreshGrants } from './access-store.ts';
import type { ChatBot } from './bot.ts';
import { loadExemptions, type Privileges } from './exemptions.ts';
import { decide, type Candidate } from './rules.ts';

/**
 * The removal pass. The dry run lists every tracked member of a school chat who holds nothing
 * that opens it today, with the decision for each (remove from a date, spared and why, unknown),
 * as one run in telegram_access_removal (staff read it in NocoDB: telegram_access_removals).
 * Removal then takes the run's people past the grace period one by one, and for each asks
 * again, in a statement of its own right before the ban, whether they hold access now: a payment
 * committed at any time before that statement is seen, and they stay.
 */
export interface RemovalDeps {
  db: Pool;
  log: Logger;
  clock: () => Date;
  bot: ChatBot;
  privileges: Privileges;
  graceDays: number;
  mode: 'dry-run' | 'on';
  /** The school's date today (volunteers' Until). */
  today: () => string;
}

export async function candidates(db: Pool): Promise<Candidate[]> {
  const { rows } = await db.query<{ chat_id: string; telegram_user_id: string; status: string; person_id: string | null; out_since: Date }>(
    `with entitled as materialized (select chat_id, person_id from telegram_access_entitled)
     select m.chat_id, m.telegram_user_id, m.status, l.person_id,
       coalesce(g.lapsed_at, m.joined_at, m.changed_at) as out_since
     from telegram_access_member m
     left join telegram_access_link l on l.telegram_user_id = m.telegram_user_id
     left join telegram_access_grant g on g.chat_id = m.chat_id and g.person_id = l.person_id
     where m.in_chat and m.chat_id in (select chat_id from telegram_access_chat)
       and not exists (select 1 from entitled e where e.chat_id = m.chat_id and e.person_id = l.person_id)`);
  return rows.map((r) => ({ chatId: Number(r.chat_id), telegramUserId: Number(r.telegram_user_id), status: r.status, personId: r.person_id, outSince: r.out_since }));
}

export interface DryRun { runId: number; remove: number; spared: number; unknown: number }

export async function dryRun(deps: RemovalDeps): Promise<DryRun> {
  const now = deps.clock();
  await refreshGrants(deps.db, null, now);
  const listed = await candidates(deps.db);
  const exemptions = await loadExemptions(deps.db, deps.privileges, [...new Set(listed.map((c) => c.chatId))], deps.today());
  const decided = listed.map((c) => ({ c, d: decide(c, exemptions, deps.graceDays) }));
  const runId = await inTransaction(deps.db, async (tx) => {
    const id = Number((await tx.query<{ id: string }>('insert into telegram_access_removal_run (listed_at, mode, grace_days) values ($1, $2, $3) returning id', [now, deps.mode, deps.graceDays])).rows[0]!.id);
    await tx.query(`insert into telegram_access_removal (run_id, chat_id, telegram_user_id, person_id, decision, reason, removable_from)
      select $1, * from unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])`,
    [id, decided.map((x) => x.c.chatId), decided.map((x) => x.c.telegramUserId), decided.map((x) => x.c.personId), decided.map((x) => x.d.decision),
      decided.map((x) => x.d.reason), decided.map((x) => x.d.removableFrom)]);
    // Dry runs of more than an hour ago whose rows came to nothing are superseded; what was done stays on record.
    await tx.query(`delete from telegram_access_removal r using telegram_access_removal_run u
      where u.id = r.run_id and r.run_id < $1 and u.listed_at < $2::timestamptz - interval '1 hour' and r.outcome is null`, [id, now]);
    await tx.query(`delete from telegram_access_removal_run u where id < $1 and not exists (select 1 from telegram_access_removal r where r.run_id = u.id)`, [id]);
    return id;
  });
  const count = (k: string) => decided.filter((x) => x.d.decision === k).length;
  return { runId, remove: count('remove'), spared: count('spared'), unknown: count('unknown') };
}

interface Open { run_id: string; chat_id: string; telegram_user_id: string; person_id: string; outcome: string | null }

const setOutcome = (db: Pool, r: Open, outcome: string | null, done: Date | null) => db.query(
  'update telegram_access_removal set outcome = $4, done_at = $5 where run_id = $1 and chat_id = $2 and telegram_user_id = $3',
  [r.run_id, r.chat_id, r.telegram_user_id, outcome, done]);

/**
 * Removes the run's people whose grace period is over (and finishes any removal banned but not
 * yet unbanned, from any run). Returns what became of them.
 */
export async function removeListed(deps: RemovalDeps, runId: number): Promise<{ removed: number; kept: number; failed: number }> {
  const now = deps.clock();
  const { rows } = await deps.db.query<Open>(
    `select run_id, chat_id, telegram_user_id, person_id, outcome from telegram_access_removal
     where decision = 'remove' and ((run_id = $1 and outcome is null and removable_from <= $2) or outcome = 'banned')
     order by run_id, chat_id, telegram_user_id`, [runId, now]);
  const tally = { removed: 0, kept: 0, failed: 0 };
  for (const r of rows) {
    const chatId = Number(r.chat_id);
    const userId = Number(r.telegram_user_id);
    if (r.outcome !== 'banned') {
      // The payment wins: asked now, in a statement of its own, after everything committed so far.
      const again = await deps.db.query<{ entitled: boolean; in_chat: boolean | null }>(
        `select exists (select 1 from telegram_access_entitled where chat_id = $1 and person_id = $2) as entitled,
           (select in_chat from telegram_access_member where chat_id = $1 and telegram_user_id = $3) as in_chat`, [chatId, r.person_id, userId]);
      if (again.rows[0]!.entitled) {
        await refreshGrants(deps.db, [chatId], now);
        await setOutcome(deps.db, r, 'kept: holds access again', deps.clock());
        tally.kept += 1;
        continue;
      }
      if (!again.rows[0]!.in_chat) {
        await setOutcome(deps.db, r, 'kept: already out of the chat', deps.clock());
        tally.kept += 1;
        continue;
      }
      if (!(await call(deps, r, () => deps.bot.ban(chatId, userId)))) { tally.failed += 1; continue; }
      await setOutcome(deps.db, r, 'banned', null);
    }
    if (!(await call(deps, r, () => deps.bot.unban(chatId, userId)))) { tally.failed += 1; continue; }
    await inTransaction(deps.db, async (tx) => {
      await tx.query(`update telegram_access_removal set outcome = 'removed', done_at = $4 where run_id = $1 and chat_id = $2 and telegram_user_id = $3`, [r.run_id, chatId, userId, deps.clock()]);
      // Out now (Telegram's chat_member update will say so too): not listed again meanwhile.
      await tx.query(`update telegram_access_member set in_chat = false, status = 'left' where chat_id = $1 and telegram_user_id = $2`, [chatId, userId]);
    });
    deps.log.info({ component: 'telegram-access', chat: chatId, telegramUser: userId, person: r.person_id }, 'removed from the chat: holds nothing that opens it (may come back after paying)');
    tally.removed += 1;
  }
  await deps.db.query('update telegram_access_removal_run set finished_at = $2 where id = $1', [runId, deps.clock()]);
  return tally;
}

/** A Bot API call of a removal: a refusal is recorded as the outcome; a passing failure leaves the row for the next round. */
async function call(deps: RemovalDeps, r: Open, fn: () => Promise<void>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (e) {
    if (e instanceof BotApiError && e.permanent) await setOutcome(deps.db, r, `failed: ${e.description}`, deps.clock());
    deps.log.warn({ component: 'telegram-access', chat: r.chat_id, telegramUser: r.telegram_user_id, err: (e as Error).message }, 'a removal did not go through');
    if (!(e instanceof BotApiError)) throw e;
    return false;
  }
}
