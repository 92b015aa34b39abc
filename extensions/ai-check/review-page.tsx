import { html, Page } from '../../kernel/page.tsx';
import type { Lang } from '../../kernel/lang.ts';
import { REVIEW_PAGE } from './messages.ts';
import type { PendingReview } from './reviews-store.ts';

/** One review as the mentor sees it: who, what, the answer, the AI verdict and its evidence. */
export interface ReviewCard {
  review: PendingReview;
  studentName: string;
  evidence: { heading: string; sectionPath: string; content: string }[];
}


export function reviewsPage(cards: ReviewCard[], lang: Lang, decided: boolean): string {
  const t = (k: keyof typeof REVIEW_PAGE) => REVIEW_PAGE[k][lang];
  return html(
    <Page lang={lang} title={t('title')}>
      <h1>{t('title')}</h1>
      {decided && <p role="status">{t('decided')}</p>}
      {cards.length === 0 ? <p>{t('none')}</p> : cards.map(({ review: r, studentName, evidence }) => (
        <article id={`review-${r.id}`} aria-labelledby={`review-title-${r.id}`}>
          <h2 id={`review-title-${r.id}`}>{r.exerciseTitle ?? r.exerciseId}</h2>
          {r.guideTitle && <p class="muted">{t('guide')}: {r.guideTitle}</p>}
          {r.note === 'possible_copy' && <p class="status">{t('possibleCopy')}</p>}
          {r.note === 'feedback_quotes_reference' && <p class="status">{t('quotesReference')}</p>}
          {r.kind === 'audit' && <p class="status">{r.note === 'low_confidence' ? t('kindAuditUnsure') : t('kindAudit')}</p>}
          {r.kind === 'dispute' && <><p class="status">{t('kindDispute')}:</p><blockquote>{r.note ?? ''}</blockquote></>}
          <p>{t('student')}: <strong>{studentName}</strong></p>
          <p><strong>{t('answer')}:</strong></p>
          <blockquote>{r.answerText}</blockquote>
          <p><strong>{r.kind === 'dispute' ? t('disputedVerdict') : t('ai')}:</strong> {r.aiVerdict ? `${r.aiVerdict.score} ${t('of')} ${r.aiVerdict.maxScore} · ${r.aiVerdict.verdict === 'accepted' ? t('accepted') : t('needsWork')}` : t('noAi')}</p>
          {r.aiVerdict?.feedback && <blockquote>{r.aiVerdict.feedback}</blockquote>}
          {evidence.length > 0 && (
            <details>
              <summary>{t('evidence')} ({evidence.length})</summary>
              {evidence.map((e) => <blockquote><strong>{e.sectionPath} · {e.heading}</strong>{'\n'}{e.content}</blockquote>)}
            </details>
          )}
          {r.aiVerdict && (
            <form method="post" action={`/reviews/${r.id}?lang=${lang}`}>
              <input type="hidden" name="action" value="accept" />
              <button type="submit">{r.kind === 'dispute' ? t('keep') : t('accept')}</button>
            </form>
          )}
          <form method="post" action={`/reviews/${r.id}?lang=${lang}`}>
            <input type="hidden" name="action" value="edit" />
            <fieldset>
              <legend>{t('correct')}</legend>
              <p>
                <label for={`verdict-${r.id}`}>{t('verdict')}</label><br />
                <select id={`verdict-${r.id}`} name="verdict">
                  <option value="accepted">{t('accepted')}</option>
                  <option value="needs_work">{t('needsWork')}</option>
                </select>
              </p>
              <p>
                <label for={`score-${r.id}`}>{t('score')} ({t('of')} {r.maxScore ?? '?'})</label><br />
                <input id={`score-${r.id}`} name="score" type="number" min={0} max={r.maxScore ?? undefined} step="0.5" required value={r.aiVerdict ? String(r.aiVerdict.score) : undefined} />
              </p>
              <p>
                <label for={`feedback-${r.id}`}>{t('feedback')}</label><br />
                <textarea id={`feedback-${r.id}`} name="feedback" rows={5} required maxLength={4000}>{r.aiVerdict?.feedback ?? ''}</textarea>
              </p>
              <button type="submit">{t('send')}</button>
            </fieldset>
          </form>
        </article>
      ))}
    </Page>,
  );
}
