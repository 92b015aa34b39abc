import { html, Page } from '../../kernel/page.tsx';
import type { Lang } from '../../kernel/lang.ts';
import { text, trialDaysText, word } from './messages.ts';

/**
 * A person's own subscriptions (what each gives them, until when) and payments, beside
 * their points statement. Pure: the data comes from page-routes.ts.
 */
export interface SubscriptionsView {
  subscriptions: { product: string; plan: string; kind: string; status: string; startsOn: string; endsOn: string | null; guides: string[]; holdsToday: boolean }[];
  payments: { at: Date; kind: string; provider: string | null; amountMinor: number; currency: string }[];
  /** Plans whose trial the person may start (trials.ts trialsOffered). */
  trials?: { planId: number; plan: string; product: string; trialDays: number }[];
  notice?: 'trialStarted';
}

const LOCALES: Record<Lang, string> = { ru: 'ru-RU', en: 'en-GB' };
export const money = (minor: number, currency: string, lang: Lang) =>
  new Intl.NumberFormat(LOCALES[lang], { style: 'currency', currency, minimumFractionDigits: 2 }).format(minor / 100);
const day = (d: string, lang: Lang) => new Intl.DateTimeFormat(LOCALES[lang], { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${d}T00:00:00Z`));

export function subscriptionsPage(v: SubscriptionsView, lang: Lang): string {
  return html(
    <Page lang={lang} title={text('title', lang)}>
      <p><a href={`/points?lang=${lang}`}>{text('points', lang)}</a></p>
      <h1>{text('title', lang)}</h1>
      {v.notice && <p role="status">{text(v.notice, lang)}</p>}
      {v.subscriptions.length === 0 && <p>{text('none', lang)}</p>}
      {v.subscriptions.map((s) => (
        <article>
          <h2>{s.product} <span class="muted">· {s.plan}</span></h2>
          <p><span class="status">{word(s.status, lang)}</span> · {word(s.kind, lang)} · {day(s.startsOn, lang)} — {s.endsOn ? day(s.endsOn, lang) : text('openEnded', lang)}</p>
          {s.guides.length > 0 && <p class="muted">{text('opens', lang)}: {s.guides.join(', ')}</p>}
        </article>
      ))}
      {(v.trials ?? []).length > 0 && (
        <section aria-labelledby="trials-title">
          <h2 id="trials-title">{text('trials', lang)}</h2>
          {v.trials!.map((t) => (
            <form method="post" action={`/subscriptions/trials?lang=${lang}`}>
              <input type="hidden" name="planId" value={String(t.planId)} />
              <p>{t.product} <span class="muted">· {t.plan}</span> — {trialDaysText(t.trialDays, lang)}{' '}
                <button type="submit">{text('startTrial', lang)}</button></p>
            </form>
          ))}
        </section>
      )}
      <h2>{text('payments', lang)}</h2>
      {v.payments.length === 0 ? <p>{text('noPayments', lang)}</p> : (
        <ul>
          {v.payments.map((p) => <li>{new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: 'medium' }).format(p.at)} · {word(p.kind, lang)} · {money(p.amountMinor, p.currency, lang)}{p.provider ? ` · ${p.provider}` : ''}</li>)}
        </ul>
      )}
    </Page>,
  );
}
