import type { Lang } from '../../kernel/lang.ts';
import { text } from './messages.ts';

/**
 * The Status staff read in the Autoposts grid, pure: from the post's state and its
 * deliveries' counts. The time is shown in the school's zone beside UTC, because NocoDB
 * shows a DateTime in the zone of whoever looks at it.
 */
export interface PostState {
  state: 'scheduled' | 'sending' | 'done' | 'failed';
  sendAt: Date | null;
  cancelled: boolean;
  reason: string | null;
  noChat: string[];
}
export interface DeliveryCounts { total: number; sent: number; failed: number; unknown: number; cancelled: number }

const pad = (n: number) => String(n).padStart(2, '0');

export function localTime(at: Date, timeZone: string): string {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(at).map((p) => [p.type, p.value]));
  return `${parts.day}.${parts.month}.${parts.year} ${parts.hour}:${parts.minute}`;
}

export function statusText(post: PostState, counts: DeliveryCounts, opts: { timeZone: string; lang: Lang }): string {
  const { lang } = opts;
  if (post.state === 'failed') return text('failed', lang, { reason: post.reason ?? '' });
  if (post.state === 'scheduled') {
    if (post.cancelled) return text('cancelled', lang);
    if (!post.sendAt) return text('noTime', lang);
    const utc = `${post.sendAt.getUTCFullYear()}-${pad(post.sendAt.getUTCMonth() + 1)}-${pad(post.sendAt.getUTCDate())} ${pad(post.sendAt.getUTCHours())}:${pad(post.sendAt.getUTCMinutes())}`;
    return text('scheduled', lang, { local: localTime(post.sendAt, opts.timeZone), zone: opts.timeZone, utc });
  }
  const head = text(post.state === 'done' ? 'done' : 'sending', lang, { sent: counts.sent, total: counts.total });
  const tail = [
    counts.failed ? text('failedCount', lang, { n: counts.failed }) : '',
    counts.unknown ? text('unknownCount', lang, { n: counts.unknown }) : '',
    counts.cancelled ? text('cancelledCount', lang, { n: counts.cancelled }) : '',
    post.noChat.length ? text('noChat', lang, { names: post.noChat.join(', ') }) : '',
  ].filter(Boolean);
  return tail.length ? `${head}; ${tail.join('; ')}` : head;
}
