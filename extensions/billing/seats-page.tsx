import { html, Page } from '../../kernel/page.tsx';
import type { Lang } from '../../kernel/lang.ts';
import { text } from './messages.ts';

/** The organisation contact's page: each pack, its holders with a form to free one (a reason required), and a form to give a seat. Pure. */
export interface SeatsView {
  packs: { id: number; organisation: string; plan: string | null; seats: number; taken: number; free: number; ends_on: string | null; state: string;
    holders: { assignment: number; email: string | null; person_id: string | null; holds: boolean; outcome: string }[] }[];
  notice?: 'given' | 'freed';
}

export function seatsPage(v: SeatsView, lang: Lang): string {
  const t = (k: Parameters<typeof text>[0]) => text(k, lang);
  return html(
    <Page lang={lang} title={t('seatsTitle')}>
      <p><a href={`/subscriptions?lang=${lang}`}>{t('title')}</a></p>
      <h1>{t('seatsTitle')}</h1>
      {v.notice && <p role="status">{t(v.notice === 'given' ? 'seatGiven' : 'seatFreed')}</p>}
      {v.packs.length === 0 && <p>{t('noPacks')}</p>}
      {v.packs.map((p) => (
        <article>
          <h2>{p.organisation} <span class="muted">· {p.plan ?? '—'}</span></h2>
          <p>{t('seatsTaken')}: {p.taken} / {p.seats}{p.ends_on ? ` · ${t('until')} ${p.ends_on}` : ''}</p>
          <ul>
            {p.holders.filter((h) => h.holds).map((h) => (
              <li>
                <form method="post" action={`/seats/${p.id}/free?lang=${lang}`}>
                  {h.email ?? h.person_id}{' '}
                  <input type="hidden" name="assignment" value={String(h.assignment)} />
                  <label>{t('freeReason')} <input type="text" name="reason" required maxLength={500} /></label>{' '}
                  <button type="submit">{t('freeSeat')}</button>
                </form>
              </li>
            ))}
          </ul>
          <form method="post" action={`/seats/${p.id}/assign?lang=${lang}`}>
            <label>{t('seatEmail')} <input type="email" name="email" required maxLength={320} /></label>{' '}
            <button type="submit">{t('giveSeat')}</button>
          </form>
        </article>
      ))}
    </Page>,
  );
}
