import { html, Page } from './layout.tsx';
import { statusText, text, type Lang } from './messages.ts';
import type { AnswerView, WorkbookView } from './read.ts';

/** The student's workbook page: each exercise's question, their answer, its status and verdicts in words. */
export function workbookPage(view: WorkbookView, lang: Lang): string {
  return html(
    <Page lang={lang} title={`${text('workbook', lang)}: ${view.title}`}>
      <h1>{view.title}</h1>
      {view.answers.length === 0 ? <p>{text('noExercises', lang)}</p> : view.answers.map((a) => <Answer answer={a} lang={lang} />)}
    </Page>,
  );
}

function Answer({ answer, lang }: { answer: AnswerView; lang: Lang }) {
  return (
    <article aria-labelledby={`exercise-${answer.id}`}>
      <h2 id={`exercise-${answer.id}`}>{answer.exercise.title || `#${answer.id}`}</h2>
      {answer.exercise.question && <p><strong>{text('question', lang)}:</strong> {answer.exercise.question}</p>}
      <p><strong>{text('yourAnswer', lang)}:</strong></p>
      {answer.answer ? <blockquote>{answer.answer}</blockquote> : <p class="muted">{text('noAnswer', lang)}</p>}
      <p>{text('status', lang)}: <span class="status">{statusText(answer.status, lang)}</span></p>
      <Verdict label={text('verdictMentor', lang)} score={answer.mentor.score} verdict={answer.mentor.verdict} lang={lang} />
      <Verdict label={text('verdictAi', lang)} score={answer.ai.score} verdict={answer.ai.verdict} lang={lang} />
    </article>
  );
}

function Verdict(props: { label: string; score: number | null; verdict: string | null; lang: Lang }) {
  if (props.score === null && !props.verdict) return null;
  return (
    <section>
      <p><strong>{props.label}</strong>{props.score !== null ? ` · ${text('score', props.lang)}: ${props.score}` : ''}</p>
      {props.verdict && <blockquote>{props.verdict}</blockquote>}
    </section>
  );
}

/** A page instead of a JSON error: sign in (401), not yours (403), none such (404), or a failure. */
export function errorPage(status: number, lang: Lang, signInUrl: string): string {
  const key = status === 401 ? 'signInFirst' : status === 403 ? 'forbidden' : status === 404 ? 'notFound' : 'failed';
  return html(
    <Page lang={lang} title={text('workbook', lang)}>
      <h1>{text('workbook', lang)}</h1>
      <p role="alert">{text(key, lang)}</p>
      {status === 401 && <p><a href={signInUrl}>{text('signIn', lang)}</a></p>}
    </Page>,
  );
}
