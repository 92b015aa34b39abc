import { html, messagePage, Page } from '../../kernel/page.tsx';
import { statusText, text, type Lang, type MessageKey } from './messages.ts';
import type { AnswerView, VerdictView, WorkbookView } from './read.ts';

export interface PageNotice {
  answerId: number;
  key: MessageKey;
}

/**
 * The student's workbook page: each exercise's question, their answer in a form (save a
 * draft, submit), its status and verdicts in words, earlier versions. Plain forms: it works
 * without JavaScript.
 */
export function workbookPage(view: WorkbookView, lang: Lang, notice?: PageNotice): string {
  return html(
    <Page lang={lang} title={`${text('workbook', lang)}: ${view.title}`}>
      <p><a href="/workbooks">{text('myWorkbooks', lang)}</a></p>
      <h1>{view.title}</h1>
      {view.answers.length === 0
        ? <p>{text('noExercises', lang)}</p>
        : view.answers.map((a) => <Answer workbookId={view.id} answer={a} lang={lang} notice={notice?.answerId === a.id ? notice.key : undefined} />)}
    </Page>,
  );
}

function Answer({ workbookId, answer, lang, notice }: { workbookId: number; answer: AnswerView; lang: Lang; notice?: MessageKey }) {
  const field = `answer-${answer.id}`;
  return (
    <article id={`exercise-${answer.id}`} aria-labelledby={`title-${answer.id}`}>
      <h2 id={`title-${answer.id}`}>{answer.exercise.title || `#${answer.id}`}</h2>
      {answer.exercise.question && <p><strong>{text('question', lang)}:</strong> {answer.exercise.question}</p>}
      {notice && <p role="status" class="status">{text(notice, lang)}</p>}
      <p>{text('status', lang)}: <span class="status" data-status={answer.status ?? 'draft'}>{statusText(answer.status, lang)}</span></p>
      {answer.editable
        ? (
          <form method="post" action={`/workbooks/${workbookId}/answers/${answer.id}?lang=${lang}`}>
            <label for={field}>{text('yourAnswer', lang)}</label>
            <textarea id={field} name="text" rows={8} maxLength={20000}>{answer.answer}</textarea>
            <p>
              <button type="submit" name="action" value="save">{text('saveDraft', lang)}</button>{' '}
              <button type="submit" name="action" value="submit">{text('submit', lang)}</button>
            </p>
          </form>
        )
        : (
          <>
            <p><strong>{text('yourAnswer', lang)}:</strong></p>
            {answer.answer ? <blockquote>{answer.answer}</blockquote> : <p class="muted">{text('noAnswer', lang)}</p>}
            {answer.status !== 'checked' && <p class="muted">{text('locked', lang)}</p>}
          </>
        )}
      <Verdict label={text('verdictMentor', lang)} verdict={answer.mentor} lang={lang} />
      <Verdict label={text('verdictAi', lang)} verdict={answer.ai} lang={lang} />
      {answer.history.length > 0 && (
        <details>
          <summary>{text('history', lang)} ({answer.history.length})</summary>
          {answer.history.map((h) => <blockquote><time datetime={h.submittedAt}>{h.submittedAt.slice(0, 16).replace('T', ' ')} UTC</time>{'\n'}{h.text}</blockquote>)}
        </details>
      )}
    </article>
  );
}

function Verdict({ label, verdict: v, lang }: { label: string; verdict: VerdictView; lang: Lang }) {
  if (v.score === null && !v.feedback && !v.kind) return null;
  const score = v.score === null ? '' : ` · ${text('score', lang)}: ${v.score}${v.maxScore !== null ? ` ${text('of', lang)} ${v.maxScore}` : ''}`;
  const kind = v.kind ? ` · ${text(v.kind === 'accepted' ? 'accepted' : 'needsWork', lang)}` : '';
  return (
    <section>
      <p><strong>{label}</strong>{score}{kind}</p>
      {v.feedback && <blockquote>{v.feedback}</blockquote>}
    </section>
  );
}

/** The student's list of workbooks. */
export function workbooksPage(list: { id: number; title: string; status: string | null }[], lang: Lang): string {
  return html(
    <Page lang={lang} title={text('myWorkbooks', lang)}>
      <h1>{text('myWorkbooks', lang)}</h1>
      {list.length === 0 ? <p>{text('noWorkbooks', lang)}</p> : (
        <ul>{list.map((w) => <li><a href={`/workbooks/${w.id}`}>{w.title}</a></li>)}</ul>
      )}
    </Page>,
  );
}

/** A page instead of a JSON error: sign in (401), not yours (403), none such (404), or a failure. */
export function errorPage(status: number, lang: Lang, signInUrl: string, code?: string): string {
  const key: MessageKey = status === 401 ? 'signInFirst' : status === 403 ? 'forbidden' : status === 404 ? 'notFound'
    : code === 'ANSWER_LOCKED' ? 'locked' : code === 'ANSWER_EMPTY' ? 'emptyAnswer' : code === 'ANSWER_TOO_LONG' ? 'tooLong' : 'failed';
  return messagePage(lang, text('workbook', lang), text(key, lang), status === 401 ? { href: signInUrl, label: text('signIn', lang) } : undefined);
}
