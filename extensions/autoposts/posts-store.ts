import type pg from 'pg';
import type { DeliveryCounts, PostState } from './status.ts';

/**
 * SQL for autopost: the mirror of staff's Autoposts rows and each post's state. A post
 * leaves `scheduled` once (startSending's guard): from then on staff's edits change
 * nothing of what it sends, and Cancelled or a deletion only skips the chats not yet sent.
 */
type Db = pg.Pool | pg.PoolClient;

export interface MirroredRow { id: number; title: string | null; sendAt: Date | null; cancelled: boolean; deleted: boolean }

export async function mirrorPost(db: Db, row: MirroredRow): Promise<void> {
  const { rows } = await db.query<{ state: string }>(`
    insert into autopost (id, title, send_at, cancelled, deleted) values ($1, $2, $3, $4, $5)
    on conflict (id) do update set
      title = excluded.title, cancelled = excluded.cancelled, deleted = excluded.deleted, updated_at = now(),
      send_at = case when autopost.state = 'scheduled' then excluded.send_at else autopost.send_at end
    returning state`, [row.id, row.title, row.sendAt, row.cancelled, row.deleted]);
  if (rows[0]?.state === 'sending' && (row.cancelled || row.deleted)) {
    await db.query(`update autopost_delivery set status = 'cancelled' where post_id = $1 and status = 'pending'`, [row.id]);
  }
}

/** Rows the poll found gone from NocoDB (a deletion whose webhook was lost): not sent. */
export async function markGone(db: Db, presentIds: number[]): Promise<number> {
  const { rows } = await db.query<{ id: number }>(`update autopost set deleted = true, updated_at = now()
    where not deleted and state in ('scheduled', 'sending') and not id = any($1::int[]) returning id`, [presentIds]);
  if (rows.length) await db.query(`update autopost_delivery set status = 'cancelled' where post_id = any($1::int[]) and status = 'pending'`, [rows.map((r) => r.id)]);
  return rows.length;
}

export async function duePosts(db: Db, now: Date, limit: number): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(`select id from autopost
    where state = 'scheduled' and not cancelled and not deleted and send_at <= $1 order by send_at, id limit $2`, [now, limit]);
  return rows.map((r) => r.id);
}

export interface NewDelivery { chat: string; target: string; body: string; error: string | null }

/**
 * Moves a scheduled post to sending with its deliveries, in one transaction; false when it
 * was no longer scheduled (another round began it). A delivery with an error (its text too
 * long) is recorded failed at once.
 */
export async function startSending(tx: pg.PoolClient, postId: number, deliveries: NewDelivery[], noChat: string[], now: Date): Promise<boolean> {
  const { rowCount } = await tx.query(`update autopost set state = 'sending', started_at = $2, no_chat = $3, updated_at = now()
    where id = $1 and state = 'scheduled'`, [postId, now, noChat]);
  if (!rowCount) return false;
  await tx.query(`insert into autopost_delivery (post_id, chat, target, body, status, error, next_attempt_at)
    select $1, d.chat, d.target, d.body, case when d.error is null then 'pending' else 'failed' end, d.error, $2
    from unnest($3::text[], $4::text[], $5::text[], $6::text[]) as d(chat, target, body, error)
    on conflict on constraint autopost_delivery_once do nothing`,
  [postId, now, deliveries.map((d) => d.chat), deliveries.map((d) => d.target), deliveries.map((d) => d.body), deliveries.map((d) => d.error)]);
  return true;
}

export async function failPost(db: Db, postId: number, reason: string, now: Date): Promise<void> {
  await db.query(`update autopost set state = 'failed', reason = $2, finished_at = $3, updated_at = now() where id = $1 and state = 'scheduled'`, [postId, reason, now]);
}

/** Posts with nothing left to send are done. */
export async function finishPosts(db: Db, now: Date): Promise<number> {
  const { rowCount } = await db.query(`update autopost p set state = 'done', finished_at = $1, updated_at = now()
    where state = 'sending' and not exists (select 1 from autopost_delivery d where d.post_id = p.id and d.status in ('pending', 'sending'))`, [now]);
  return rowCount ?? 0;
}

export interface PostWithCounts { id: number; post: PostState; counts: DeliveryCounts; statusText: string | null }

/** Posts whose Status may still change (and those just finished), with their deliveries counted. */
export async function livePosts(db: Db, now: Date): Promise<PostWithCounts[]> {
  const { rows } = await db.query(`
    select p.id, p.state, p.send_at, p.cancelled, p.reason, p.no_chat, p.status_text,
      count(d.id)::int as total,
      count(d.id) filter (where d.status = 'sent')::int as sent,
      count(d.id) filter (where d.status = 'failed')::int as failed,
      count(d.id) filter (where d.status = 'unknown')::int as unknown,
      count(d.id) filter (where d.status = 'cancelled')::int as cancelled_n
    from autopost p left join autopost_delivery d on d.post_id = p.id
    where not p.deleted and (p.state in ('scheduled', 'sending') or p.status_text is null or p.finished_at >= $1::timestamptz - interval '10 minutes')
    group by p.id`, [now]);
  return rows.map((r) => ({
    id: r.id, statusText: r.status_text,
    post: { state: r.state, sendAt: r.send_at, cancelled: r.cancelled, reason: r.reason, noChat: r.no_chat },
    counts: { total: r.total, sent: r.sent, failed: r.failed, unknown: r.unknown, cancelled: r.cancelled_n },
  }));
}

export async function setStatusText(db: Db, id: number, text: string): Promise<void> {
  await db.query('update autopost set status_text = $2 where id = $1 and status_text is distinct from $2', [id, text]);
}

export async function unwrittenStatuses(db: Db, limit = 100): Promise<{ id: number; text: string }[]> {
  const { rows } = await db.query<{ id: number; text: string }>(`select id, status_text as text from autopost
    where status_text is distinct from status_written and status_text is not null and not deleted order by id limit $1`, [limit]);
  return rows;
}

export async function markStatusWritten(db: Db, written: { id: number; text: string }[]): Promise<void> {
  if (!written.length) return;
  await db.query(`update autopost p set status_written = w.text from unnest($1::int[], $2::text[]) as w(id, text) where p.id = w.id`,
    [written.map((w) => w.id), written.map((w) => w.text)]);
}
