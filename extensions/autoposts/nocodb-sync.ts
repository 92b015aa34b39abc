import type pg from 'pg';
import type { Logger } from 'pino';
import type { Lang } from '../../kernel/lang.ts';
import type { NocoRows, Row } from '../../nocodb/client.ts';
import { autopostRow } from '../../schemas/events/autoposts.ts';
import { livePosts, markGone, markStatusWritten, mirrorPost, setStatusText, unwrittenStatuses } from './posts-store.ts';
import { statusText } from './status.ts';

/**
 * The two ways autoposts meet NocoDB outside the inbox: the poll, which reads every
 * Autoposts row again (a webhook lost and a sweep missed cannot skip a post; a row gone
 * without its delete webhook is not sent), and the write-back of each post's Status.
 */
const PAGE = 1000;

export async function pollAutoposts(deps: { db: pg.Pool; nocodb: NocoRows; log: Logger }): Promise<number> {
  const rows: Row[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await deps.nocodb.list('autoposts', { limit: PAGE, offset, sort: 'Id' });
    rows.push(...page);
    if (page.length < PAGE) break;
  }
  for (const raw of rows) {
    const row = autopostRow.safeParse(raw);
    if (!row.success) {
      deps.log.warn({ component: 'autoposts', row: raw.Id, err: row.error.message }, 'an Autoposts row cannot be read; left as it was');
      continue;
    }
    await mirrorPost(deps.db, { id: row.data.Id, title: row.data.Title, sendAt: row.data.SendAt, cancelled: row.data.Cancelled, deleted: false });
  }
  await markGone(deps.db, rows.map((r) => Number(r.Id)));
  return rows.length;
}

/** Recomputes the Status of every live post and writes the changed ones to NocoDB. */
export async function writeStatuses(deps: { db: pg.Pool; nocodb: NocoRows; timeZone: string; lang: Lang; now: Date }): Promise<number> {
  for (const p of await livePosts(deps.db, deps.now)) {
    const next = statusText(p.post, p.counts, { timeZone: deps.timeZone, lang: deps.lang });
    if (next !== p.statusText) await setStatusText(deps.db, p.id, next);
  }
  const pending = await unwrittenStatuses(deps.db);
  if (pending.length === 0) return 0;
  await deps.nocodb.update('autoposts', pending.map((p) => ({ Id: p.id, Status: p.text })));
  await markStatusWritten(deps.db, pending);
  return pending.length;
}
