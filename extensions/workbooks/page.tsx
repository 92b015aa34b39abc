import { html, messagePage, Page } from '../../kernel/page.tsx';
import { statusText, text, type Lang, type MessageKey } from './messages.ts';
import type { AnswerView, VerdictView, WorkbookView } from './read.ts';

export interface PageNotice {
  answerId: number;
  key: MessageKey;
}

/**
 * Saves a draft as the student types: 1.5 s after the last keystroke (and when the field
 * loses focus) the text goes to PUT /api/workbooks/<id>/answers/<answer> with the session
 * cookie, and the field's status line says when it was saved. Without script, or when it
 * fails, the form's own "Save draft" button does the same.
 */
const AUTOSAVE = `(() => {
  for (const form of document.querySelectorAll('form[data-autosave]')) {
    const field = form.querySelector('textarea'), status = form.querySelector('[data-autosave-status]');
    let timer, sent = field.value;
    const save = async () => {
      clearTimeout(timer);
      const text = field.value;
      if (text === sent) return;
      try {
        const res = await fetch(form.dataset.autosave, { method: 'PUT', credentials: 'same-origin',
          headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ text }) });
        if (!res.ok) throw new Error(String(res.status));
        sent = text;
        status.textContent = form.dataset.savedText + ' ' + new Date().toLocaleTimeString(document.documentElement.lang, { hour: '2-digit', minute: '2-digit' });
      } catch (e) {
        status.textContent = form.dataset.failedText;
      }
    };
    field.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(save, 1500); });
    field.addEventListener('blur', save);
  }
})();`;

/**
 * The student's workbook page: each exercise's question, their answer in a form (save a
 * draft, submit), its status and verdicts in words, earlier versions. Plain forms: it works
 * without JavaScript; with it, drafts are saved as the student types (AUTOSAVE).
 */
export function workbookPage(view: WorkbookView, lang: Lang, notice?: PageNotice): string {
  return html(
    <Page lang={lang} title={`${text('workbook', lang)}: ${view.title}`} script={AUTOSAVE}>
      <p><a href="/workbooks">{text('myWorkbooks', lang)}</a> · <a href={`/points?lang=${lang}`}>{text('myPoints', lang)}</a></p>
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
          <form method="post" action={`/workbooks/${workbookId}/answers/${answer.id}?lang=${lang}`}
            data-autosave={`/api/workbooks/${workbookId}/answers/${answer.id}`} data-saved-text={text('autosaved', lang)} data-failed-text={text('autosaveFailed', lang)}>
            <label for={field}>{text('yourAnswer', lang)}</label>
            <textarea id={field} name="text" rows={8} maxLength={20000} aria-describedby={`${field}-saved`}>{answer.answer}</textarea>
            <p id={`${field}-saved`} class="muted" role="status" aria-live="polite" data-autosave-status></p>
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
      {answer.dispute && (
        <section>
          <p><strong>{text('yourDispute', lang)}</strong>{answer.dispute.at ? <> · <time datetime={answer.dispute.at}>{answer.dispute.at.slice(0, 16).replace('T', ' ')} UTC</time></> : null}</p>
          <blockquote>{answer.dispute.text}</blockquote>
        </section>
      )}
      {answer.disputable && (
        <details>
          <summary>{text('dispute', lang)}</summary>
          <form method="post" action={`/workbooks/${workbookId}/answers/${answer.id}/dispute?lang=${lang}`}>
            <label for={`dispute-${answer.id}`}>{text('disputeReason', lang)}</label>
            <textarea id={`dispute-${answer.id}`} name="reason" rows={4} required maxLength={2000}></textarea>
            <p><button type="submit">{text('disputeSend', lang)}</button></p>
          </form>
        </details>
      )}
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
      <p><a href={`/points?lang=${lang}`}>{text('myPoints', lang)}</a></p>
      {list.length === 0 ? <p>{text('noWorkbooks', lang)}</p> : (
        <ul>{list.map((w) => <li><a href={`/workbooks/${w.id}`}>{w.title}</a></li>)}</ul>
      )}
    </Page>,
  );
}

/** A page instead of a JSON error: sign in (401), not yours (403), none such (404), or a failure. */
export function errorPage(status: number, lang: Lang, signInUrl: string, code?: string): string {
  const key: MessageKey = status === 401 ? 'signInFirst' : status === 403 ? 'forbidden' : status === 404 ? 'notFound'
    : code === 'ANSWER_LOCKED' ? 'locked' : code === 'DISPUTE_EMPTY' ? 'disputeEmpty' : code === 'ALREADY_DISPUTED' ? 'alreadyDisputed' : code === 'ANSWER_EMPTY' ? 'emptyAnswer' : code === 'ANSWER_TOO_LONG' ? 'tooLong' : 'failed';
  return messagePage(lang, text('workbook', lang), text(key, lang), status === 401 ? { href: signInUrl, label: text('signIn', lang) } : undefined);
}
