import { html, messagePage, Page } from '../../kernel/page.tsx';
import type { YearCalendar } from './activity.ts';
import { addDays, localDateTime, monthStart } from './calendar.ts';
import { renderHeatmap } from './heatmap.ts';
import {
  activityTitle, noteText, periodTooLong, pointsWord, ruleWords, statementCaption, streakWords, text, zoneNote, type Lang, type TextKey,
} from './messages.ts';
import { describeLine, type Statement } from './statement.ts';

/**
 * The student's own points, like a bank account: the balance, the year's calendar with the
 * streaks in words, and the statement of a period (opening balance, each line with what
 * earned it, closing balance, the CSV). Pure: the data comes from page-routes.ts. The period
 * form is a plain GET form, so it works without JavaScript.
 */
export interface PointsPageView {
  personId: string;
  timeZone: string;
  /** Today in the person's zone. */
  today: string;
  balance: number;
  calendar: YearCalendar;
  statement: Statement;
  /** The `?lang=` the person asked for, kept in the page's own links and form. */
  langParam?: Lang;
}

export const LOCALES: Record<Lang, string> = { ru: 'ru-RU', en: 'en-GB' };
const NUMERIC = 'text-align:right;white-space:nowrap';
const CELL = 'padding:.35rem .25rem;border-bottom:1px solid #ddd;vertical-align:top;text-align:left';

/** The quick periods the page links to: this month so far, last month, this year so far. */
export function quickPeriods(today: string): { key: 'thisMonth' | 'lastMonth' | 'thisYear'; from: string; to: string }[] {
  const lastMonthEnds = addDays(monthStart(today), -1);
  return [
    { key: 'thisMonth', from: monthStart(today), to: today },
    { key: 'lastMonth', from: monthStart(lastMonthEnds), to: lastMonthEnds },
    { key: 'thisYear', from: `${today.slice(0, 4)}-01-01`, to: today },
  ];
}

export const pageHref = (params: Record<string, string | undefined>) => {
  const q = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
  const query = q.toString();
  return query ? `/points?${query}` : '/points';
};

const formatDay = (day: string, lang: Lang) =>
  new Intl.DateTimeFormat(LOCALES[lang], { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(`${day}T00:00:00Z`));
const signed = (n: number, lang: Lang) => new Intl.NumberFormat(LOCALES[lang], { signDisplay: 'exceptZero' }).format(n);
const plain = (n: number, lang: Lang) => new Intl.NumberFormat(LOCALES[lang]).format(n);

export function pointsPage(v: PointsPageView, lang: Lang): string {
  const t = (k: TextKey) => text(k, lang);
  return html(
    <Page lang={lang} title={t('myPoints')}>
      <p><a href={`/workbooks?lang=${lang}`}>{t('myWorkbooks')}</a> · <a href={`/subscriptions?lang=${lang}`}>{t('mySubscriptions')}</a></p>
      <h1>{t('myPoints')}</h1>
      <section aria-labelledby="balance-title">
        <h2 id="balance-title">{t('balance')}</h2>
        <p id="balance" data-points={v.balance}><strong style="font-size:2rem">{plain(v.balance, lang)}</strong> {pointsWord(v.balance, lang)}</p>
      </section>
      <Activity calendar={v.calendar} lang={lang} />
      <StatementSection view={v} lang={lang} />
    </Page>,
  );
}

function Activity({ calendar: c, lang }: { calendar: YearCalendar; lang: Lang }) {
  const words = streakWords(c.streaks.current, c.streaks.longest, lang);
  // Our own markup (heatmap.ts escapes every text it writes): inlined, so the page needs no second request.
  const svg = renderHeatmap({ year: c.year, points: new Map(c.days.map((d) => [d.day, d.points])), streaks: c.streaks, lang });
  return (
    <section aria-labelledby="activity-title">
      <h2 id="activity-title">{activityTitle(c.year, lang)}</h2>
      <p id="streaks">{words.current} {words.longest}</p>
      {/* A year is wider than a phone: the calendar scrolls sideways by itself (and by keyboard), the page does not. */}
      <div id="calendar" role="region" aria-label={text('calendarRegion', lang)} tabindex={0} style="overflow-x:auto;max-width:100%" dangerouslySetInnerHTML={{ __html: svg }} />
    </section>
  );
}

function StatementSection({ view: v, lang }: { view: PointsPageView; lang: Lang }) {
  const t = (k: TextKey) => text(k, lang);
  const s = v.statement;
  const booked = new Intl.DateTimeFormat(LOCALES[lang], { timeZone: s.timeZone, dateStyle: 'short', timeStyle: 'short' });
  const csv = `/api/points/people/${encodeURIComponent(v.personId)}/statement?${new URLSearchParams({ format: 'csv', from: s.from, to: s.to, lang })}`;
  return (
    <section aria-labelledby="statement-title">
      <h2 id="statement-title">{t('statement')}</h2>
      <form method="get" action="/points" style="display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end">
        {v.langParam && <input type="hidden" name="lang" value={v.langParam} />}
        <p style="margin:0"><label for="from">{t('from')}</label><br /><input id="from" name="from" type="date" value={s.from} /></p>
        <p style="margin:0"><label for="to">{t('to')}</label><br /><input id="to" name="to" type="date" value={s.to} /></p>
        <p style="margin:0"><button type="submit">{t('show')}</button></p>
      </form>
      <nav aria-label={t('quickPeriods')}>
        <ul style="display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;padding:0">
          {quickPeriods(v.today).map((p) => (
            <li><a href={pageHref({ from: p.from, to: p.to, lang: v.langParam })} aria-current={p.from === s.from && p.to === s.to ? 'page' : undefined}>{t(p.key)}</a></li>
          ))}
        </ul>
      </nav>
      <p class="muted">{zoneNote(s.timeZone, lang)}</p>
      {/* Fits a phone of 360 px; a narrower screen scrolls the table in its own box, not the page. */}
      <div role="region" aria-labelledby="statement-caption" tabindex={0} style="overflow-x:auto;max-width:100%">
        <table id="statement" style="width:100%;border-collapse:collapse;font-size:.9rem">
          <caption id="statement-caption" style="text-align:left;font-weight:600;padding:.25rem 0">{statementCaption(formatDay(s.from, lang), formatDay(s.to, lang), lang)}</caption>
          <thead>
            <tr>
              <th scope="col" style={CELL}>{t('booked')}</th>
              <th scope="col" style={CELL}>{t('whatFor')}</th>
              <th scope="col" style={`${CELL};${NUMERIC}`}>{t('amount')}</th>
              <th scope="col" style={`${CELL};${NUMERIC}`}>{t('balanceAfter')}</th>
            </tr>
          </thead>
          <tbody>
            <tr data-row="opening">
              <th scope="row" colSpan={3} style={CELL}>{t('opening')}</th>
              <td style={`${CELL};${NUMERIC}`}>{plain(s.opening, lang)}</td>
            </tr>
            {s.lines.length === 0 && <tr><td colSpan={4} style={CELL} class="muted">{t('noLines')}</td></tr>}
            {s.lines.map((l) => {
              const local = localDateTime(l.bookedAt, s.timeZone);
              const note = noteText(l.note, lang);
              return (
                <tr data-line={l.id}>
                  <th scope="row" style={`${CELL};font-weight:normal`}><time datetime={local.slice(0, 16).replace(' ', 'T')}>{booked.format(l.bookedAt)}</time></th>
                  <td style={CELL}>
                    {describeLine(l, lang)}
                    {l.day !== local.slice(0, 10) && <> {t('forDay')} {formatDay(l.day, lang)}</>}
                    {(l.ruleId !== null || note) && <><br /><span class="muted">{[l.ruleId !== null ? ruleWords(l.ruleId, l.ruleVersion, lang) : '', note].filter(Boolean).join('; ')}</span></>}
                  </td>
                  <td style={`${CELL};${NUMERIC}`}>{signed(l.points, lang)}</td>
                  <td style={`${CELL};${NUMERIC}`}>{plain(l.balance, lang)}</td>
                </tr>
              );
            })}
          </tbody>
          <tfoot>
            <tr data-row="closing">
              <th scope="row" colSpan={3} style={`${CELL};border-bottom:none`}>{t('closing')}</th>
              <td style={`${CELL};${NUMERIC};border-bottom:none;font-weight:600`}>{plain(s.closing, lang)}</td>
            </tr>
          </tfoot>
        </table>
      </div>
      <p id="totals">{t('credited')}: {signed(s.credited, lang)} · {t('debited')}: {signed(-s.debited, lang)}</p>
      <p><a href={csv} download>{t('downloadCsv')}</a></p>
    </section>
  );
}

/** Why a period was refused, as page-routes.ts says it in the error's details. */
export type PeriodProblem = 'date' | 'order' | 'length';

/** A page instead of a JSON error: sign in (401), a period that is not one (400), not yours (403). */
export function pointsErrorPage(input: { status: number; problem?: PeriodProblem; maxDays: number; lang: Lang; signInUrl: string; backHref: string }): string {
  const { status, problem, lang } = input;
  const title = text('myPoints', lang);
  if (status === 401) return messagePage(lang, title, text('signInFirst', lang), { href: input.signInUrl, label: text('signIn', lang) });
  if (status === 403) return messagePage(lang, title, text('forbidden', lang));
  const message = problem === 'length' ? periodTooLong(input.maxDays, lang)
    : problem === 'order' ? text('badOrder', lang)
      : problem === 'date' ? text('badDate', lang) : text('failed', lang);
  return messagePage(lang, title, message, { href: input.backHref, label: text('backToPoints', lang) });
}
