import type pg from 'pg';
import type { Person } from './people.ts';

/**
 * SQL of ai_outbox: notifications are written in the transaction that decides what they
 * announce, one row per recipient and channel, de-duplicated by key; sender.ts delivers them.
 */
type Queryable = pg.Pool | pg.PoolClient;
export type Channel = 'telegram' | 'email';

export interface OutboxRow {
  id: string;
  channel: Channel;
  recipient: string;
  subject: string;
  body: string;
  attempts: number;
}

export interface Notice {
  subject: string;
  body: string;
}

/** One row per channel the person can be reached on; `key` names the announcement (e.g. `check:12:verdict`). */
export async function notifyPerson(tx: Queryable, person: Person, key: string, notice: Notice, now: Date): Promise<number> {
  const targets: [Channel, string][] = [];
  if (person.telegramChatId) targets.push(['telegram', person.telegramChatId]);
  if (person.email) targets.push(['email', person.email]);
  let written = 0;
  for (const [channel, recipient] of targets) {
    const { rowCount } = await tx.query(`insert into ai_outbox (dedup_key, channel, recipient, subject, body, next_attempt_at, created_at)
      values ($1, $2, $3, $4, $5, $6, $6) on conflict (dedup_key) do nothing`,
    [`${key}:${person.id}:${channel}`, channel, recipient, notice.subject, notice.body, now]);
    written += rowCount ?? 0;
  }
  return written;
}

export async function claimDueNotices(db: Queryable, channels: Channel[], now: Date, leaseMs: number, limit: number): Promise<OutboxRow[]> {
  const { rows } = await db.query<OutboxRow>(`update ai_outbox set lease_until = $2::timestamptz + make_interval(secs => $3::float8 / 1000),
      attempts = attempts + 1
    where id in (select id from ai_outbox where status = 'pending' and channel = any($1::text[]) and next_attempt_at <= $2
                   and (lease_until is null or lease_until < $2)
                 order by id limit $4 for update skip locked)
    returning id::text, channel, recipient, subject, body, attempts`, [channels, now, leaseMs, limit]);
  return rows;
}

export async function markNoticeSent(db: Queryable, id: string, providerMessageId: string, now: Date): Promise<void> {
  await db.query(`update ai_outbox set status = 'sent', sent_at = $3, provider_message_id = $2, lease_until = null, last_error = null
    where id = $1 and status = 'pending'`, [id, providerMessageId, now]);
}

export async function markNoticeFailed(db: Queryable, id: string, error: string, next: Date | 'dead'): Promise<void> {
  await db.query(`update ai_outbox set lease_until = null, last_error = $2,
      status = case when $3::timestamptz is null then 'dead' else status end,
      next_attempt_at = coalesce($3::timestamptz, next_attempt_at)
    where id = $1`, [id, error.slice(0, 2000), next === 'dead' ? null : next]);
}
