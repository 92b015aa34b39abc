import type pg from 'pg';
import type { Logger } from 'pino';
import { inTransaction } from '../../kernel/db.ts';
import type { Lang } from '../../kernel/lang.ts';
import type { NocoRows } from '../../nocodb/client.ts';
import type { NocoLinks } from '../../nocodb/links.ts';
import { autopostRow, postTemplateRow } from '../../schemas/events/autoposts.ts';
import { text } from './messages.ts';
import { planDeliveries } from './plan.ts';
import { duePosts, failPost, mirrorPost, startSending } from './posts-store.ts';
import { readTargets } from './targets.ts';

/**
 * Due posts -> their deliveries. The row is read from NocoDB again first (an edit whose
 * webhook was lost, a later SendAt or a tick in Cancelled, wins), then its template and
 * targets; the deliveries are written with the post's move to `sending` in one
 * transaction. NocoDB not answering leaves the post scheduled for the next round.
 */
export interface ExpandDeps {
  db: pg.Pool;
  log: Logger;
  nocodb: NocoRows;
  links: NocoLinks;
  timeZone: string;
  lang: Lang;
  /** A post found due later than this after its time is not sent (the service was down). */
  maxLateMs: number;
}

const status = (e: unknown) => (e as { response?: { status?: number } }).response?.status;

async function readRow(nocodb: NocoRows, table: string, id: number) {
  try {
    return await nocodb.get(table, id);
  } catch (e) {
    if (status(e) === 404) return null;
    throw e;
  }
}

export async function expandPost(deps: ExpandDeps, postId: number, now: Date): Promise<'started' | 'not due' | 'failed'> {
  const raw = await readRow(deps.nocodb, 'autoposts', postId);
  const parsed = raw ? autopostRow.safeParse(raw) : null;
  if (!parsed?.success) {
    await mirrorPost(deps.db, { id: postId, title: null, sendAt: null, cancelled: false, deleted: true });
    return 'not due';
  }
  const row = parsed.data;
  await mirrorPost(deps.db, { id: postId, title: row.Title, sendAt: row.SendAt, cancelled: row.Cancelled, deleted: false });
  if (!row.SendAt || row.SendAt > now || row.Cancelled) return 'not due';
  const fail = async (reason: string) => {
    await failPost(deps.db, postId, reason, now);
    deps.log.warn({ component: 'autoposts', post: postId, reason }, 'autopost not sent');
    return 'failed' as const;
  };
  if (now.getTime() - row.SendAt.getTime() > deps.maxLateMs) return fail(text('tooLate', deps.lang, { hours: Math.round(deps.maxLateMs / 3_600_000) }));

  const templateRaw = row.post_templates_id ? await readRow(deps.nocodb, 'post_templates', row.post_templates_id) : null;
  const template = templateRaw ? postTemplateRow.parse(templateRaw) : null;
  const targets = await readTargets(deps.links, deps.nocodb, postId);
  const plan = planDeliveries({
    template: template && { text: template.Text, language: template.Language }, targets, at: now, timeZone: deps.timeZone, lang: deps.lang,
  });
  if (!plan.ok) return fail(plan.reason);
  const started = await inTransaction(deps.db, (tx) => startSending(tx, postId, plan.deliveries, plan.noChat, now));
  if (started) deps.log.info({ component: 'autoposts', post: postId, chats: plan.deliveries.length }, 'autopost sending');
  return started ? 'started' : 'not due';
}

/** Expands up to `limit` due posts; true when more may be due. */
export async function expandDue(deps: ExpandDeps, now: Date, limit = 10): Promise<boolean> {
  const due = await duePosts(deps.db, now, limit);
  for (const id of due) {
    try {
      await expandPost(deps, id, now);
    } catch (e) {
      deps.log.warn({ component: 'autoposts', post: id, err: (e as Error).message }, 'autopost not expanded this round; trying again');
    }
  }
  return due.length === limit;
}
