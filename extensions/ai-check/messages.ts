import type { Verdict } from './verdict.ts';

/** User-facing text of the AI check, Russian and English. Codes are stable; text may change. */
import type { Lang } from '../../kernel/lang.ts';

export type Language = Lang;

/** Why an answer waits for a mentor without a final AI verdict (ai_check.reason). */
export type WaitReason =
  | 'AI_NOT_CONFIGURED'
  | 'QUOTA_EXCEEDED'
  | 'BUDGET_EXHAUSTED'
  | 'ANSWER_TOO_LONG'
  | 'ANSWER_EMPTY'
  | 'MODEL_OUTPUT_INVALID'
  | 'AI_PROVIDER_UNAVAILABLE'
  | 'AI_PROVIDER_REFUSED'
  | 'GUIDE_NOT_INDEXED'
  | 'EXERCISE_NOT_FOUND';

export interface ReasonParams {
  limit?: number;
  window?: 'hour' | 'day';
  resetsAt?: Date;
}

const time = (d: Date | undefined, lang: Language) =>
  d ? d.toLocaleString(lang === 'ru' ? 'ru-RU' : 'en-GB', { timeZone: 'UTC', dateStyle: 'short', timeStyle: 'short' }) + ' UTC' : '';

const REASONS: Record<WaitReason, Record<Language, (p: ReasonParams) => string>> = {
  AI_NOT_CONFIGURED: {
    ru: () => 'Автоматическая проверка сейчас не подключена. Ответ сохранён и ждёт наставника.',
    en: () => 'Automatic checking is not switched on. Your answer is saved and waits for a mentor.',
  },
  QUOTA_EXCEEDED: {
    ru: (p) => `Лимит автоматических проверок исчерпан (${p.limit} в ${p.window === 'hour' ? 'час' : 'сутки'}). `
      + `Ответ сохранён и ждёт наставника; автоматическая проверка снова будет доступна ${time(p.resetsAt, 'ru')}.`,
    en: (p) => `You have used all automatic checks (${p.limit} per ${p.window}). `
      + `Your answer is saved and waits for a mentor; automatic checks are available again at ${time(p.resetsAt, 'en')}.`,
  },
  BUDGET_EXHAUSTED: {
    ru: () => 'Бюджет школы на автоматические проверки в этом месяце израсходован. Ответ сохранён и ждёт наставника.',
    en: () => 'The school\'s budget for automatic checks is spent for this month. Your answer is saved and waits for a mentor.',
  },
  ANSWER_TOO_LONG: {
    ru: (p) => `Ответ длиннее ${p.limit} символов, автоматически его не проверить. Ответ сохранён и ждёт наставника.`,
    en: (p) => `The answer is longer than ${p.limit} characters, too long for an automatic check. It is saved and waits for a mentor.`,
  },
  ANSWER_EMPTY: {
    ru: () => 'Ответ пустой. Напишите ответ и отправьте его снова.',
    en: () => 'The answer is empty. Write your answer and submit it again.',
  },
  MODEL_OUTPUT_INVALID: {
    ru: () => 'Автоматическая проверка не дала надёжного результата. Ответ передан наставнику.',
    en: () => 'The automatic check gave no reliable result. Your answer has gone to a mentor.',
  },
  AI_PROVIDER_UNAVAILABLE: {
    ru: () => 'Сервис автоматической проверки недоступен. Ответ сохранён и ждёт наставника.',
    en: () => 'The automatic checking service is unavailable. Your answer is saved and waits for a mentor.',
  },
  AI_PROVIDER_REFUSED: {
    ru: () => 'Сервис автоматической проверки отказал в проверке. Ответ сохранён и ждёт наставника.',
    en: () => 'The automatic checking service refused the check. Your answer is saved and waits for a mentor.',
  },
  GUIDE_NOT_INDEXED: {
    ru: () => 'Текст руководства к этому упражнению ещё не загружен для проверки. Ответ ждёт наставника.',
    en: () => 'The guide of this exercise is not loaded for checking yet. Your answer waits for a mentor.',
  },
  EXERCISE_NOT_FOUND: {
    ru: () => 'Упражнение не найдено. Ответ сохранён и ждёт наставника.',
    en: () => 'The exercise was not found. Your answer is saved and waits for a mentor.',
  },
};

export function reasonText(reason: WaitReason, lang: Language, params: ReasonParams = {}): string {
  return REASONS[reason][lang](params);
}

export function queuedText(lang: Language): string {
  return lang === 'ru' ? 'Ответ проверяется.' : 'Your answer is being checked.';
}

export function withMentorText(lang: Language): string {
  return lang === 'ru'
    ? 'Ответ проверен автоматически; наставник посмотрит проверку, прежде чем вы увидите результат.'
    : 'Your answer was checked automatically; your mentor reviews the check before you see the result.';
}

function verdictLine(v: Verdict, lang: Language): string {
  const word = lang === 'ru'
    ? (v.verdict === 'accepted' ? 'принят' : 'нужно доработать')
    : (v.verdict === 'accepted' ? 'accepted' : 'needs more work');
  const who = lang === 'ru'
    ? { ai: 'автоматическая проверка', cache: 'автоматическая проверка', mentor: 'наставник' }[v.by]
    : { ai: 'automatic check', cache: 'automatic check', mentor: 'mentor' }[v.by];
  return lang === 'ru'
    ? `Ответ ${word}: ${v.score} из ${v.maxScore} (${who}).`
    : `Answer ${word}: ${v.score} of ${v.maxScore} (${who}).`;
}

export function verdictText(v: Verdict, lang: Language): string {
  return `${verdictLine(v, lang)}\n${v.feedback}`;
}

/** What a notice is about: the exercise and guide in words, and the page to open. */
export interface AnswerRef {
  exercise: string;
  guide: string | null;
  link: string;
}

export type ReviewKind = 'review' | 'audit' | 'dispute';

const about = (lang: Language, r: AnswerRef) =>
  r.guide ? (lang === 'ru' ? `«${r.exercise}» (руководство «${r.guide}»)` : `"${r.exercise}" (guide "${r.guide}")`)
    : (lang === 'ru' ? `«${r.exercise}»` : `"${r.exercise}"`);
const openLine = (lang: Language, link: string) => (lang === 'ru' ? `Открыть: ${link}` : `Open: ${link}`);

export function verdictNotice(lang: Language, ref: AnswerRef, v: Verdict): { subject: string; body: string } {
  return {
    subject: lang === 'ru' ? `Проверка: ${ref.exercise}` : `Checked: ${ref.exercise}`,
    body: `${about(lang, ref)}\n${verdictText(v, lang)}\n${openLine(lang, ref.link)}`,
  };
}

export function waitingNotice(lang: Language, ref: AnswerRef, reason: WaitReason, params: ReasonParams): { subject: string; body: string } {
  return {
    subject: lang === 'ru' ? `Ответ ждёт наставника: ${ref.exercise}` : `Waiting for a mentor: ${ref.exercise}`,
    body: `${about(lang, ref)}\n${reasonText(reason, lang, params)}\n${openLine(lang, ref.link)}`,
  };
}

const KIND_SUBJECT: Record<ReviewKind, Record<Language, string>> = {
  review: { ru: 'Нужна проверка наставника', en: 'Mentor review needed' },
  audit: { ru: 'Выборочная проверка', en: 'Second look' },
  dispute: { ru: 'Студент оспаривает оценку', en: 'A student disputes a verdict' },
};

const QUOTES_REFERENCE = {
  ru: 'Отзыв ИИ повторяет эталонный ответ (или ответ другого студента), поэтому студент его не видел. Дайте оценку с отзывом своими словами.',
  en: 'The AI\'s feedback repeats the reference answer (or another student\'s answer), so the student has not seen it. Give the verdict with feedback in your own words.',
} as const;

/** Why a verdict is in the queue (audit, held feedback, a copy) or what the student says (dispute). */
function kindLine(lang: Language, kind: ReviewKind, why: ReviewWhy): string | null {
  const quotes = why.quotesReference ? QUOTES_REFERENCE[lang] : null;
  const copy = why.copy ? (lang === 'ru' ? 'Возможная копия: такой же ответ на это упражнение уже давал другой студент.' : 'A possible copy: another student gave the same answer to this exercise.') : null;
  const line = kindOnly(lang, kind, why);
  return [quotes, copy, line].filter(Boolean).join('\n') || null;
}

type ReviewWhy = { lowConfidence?: boolean; copy?: boolean; quotesReference?: boolean; note?: string | null };

function kindOnly(lang: Language, kind: ReviewKind, why: { lowConfidence?: boolean; note?: string | null }): string | null {
  if (kind === 'audit') {
    const cause = why.lowConfidence
      ? (lang === 'ru' ? 'модель не уверена в оценке' : 'the model was not sure of its verdict')
      : (lang === 'ru' ? 'выбран для выборочной проверки' : 'picked for a sample check');
    return lang === 'ru' ? `Студент учится самостоятельно и уже видит оценку ИИ; ${cause}.` : `A self-learner, who already sees the AI verdict; ${cause}.`;
  }
  if (kind === 'dispute') return lang === 'ru' ? `Студент пишет: ${why.note ?? ''}` : `The student writes: ${why.note ?? ''}`;
  return null;
}

export function reviewRequest(
  lang: Language, ref: AnswerRef & { student: string }, ai: Verdict | null, reason: WaitReason | null,
  kind: ReviewKind = 'review', why: ReviewWhy = {},
): { subject: string; body: string } {
  const label = kind === 'dispute' ? (lang === 'ru' ? 'Оспариваемая оценка' : 'Disputed verdict') : (lang === 'ru' ? 'Оценка ИИ' : 'AI verdict');
  const proposal = ai
    ? `${label}: ${verdictText(ai, lang)}`
    : (lang === 'ru' ? `Без оценки ИИ: ${reason ? reasonText(reason, lang) : ''}` : `No AI verdict: ${reason ? reasonText(reason, lang) : ''}`);
  const line = kindLine(lang, kind, why);
  return {
    subject: `${KIND_SUBJECT[kind][lang]}: ${ref.student}, ${ref.exercise}`,
    body: [
      lang === 'ru' ? `${ref.student} ответил(а) на ${about(lang, ref)}.` : `${ref.student} answered ${about(lang, ref)}.`,
      ...(line ? [line] : []), proposal, lang === 'ru' ? `Проверить: ${ref.link}` : `Review it: ${ref.link}`,
    ].join('\n'),
  };
}

/** The mentor's review page (review-page.tsx, review-pages.ts). */
export const REVIEW_PAGE = {
  title: { ru: 'Ответы на проверку', en: 'Answers to review' },
  none: { ru: 'Сейчас нечего проверять.', en: 'Nothing to review now.' },
  student: { ru: 'Студент', en: 'Student' },
  answer: { ru: 'Ответ', en: 'Answer' },
  ai: { ru: 'Оценка ИИ', en: 'AI verdict' },
  noAi: { ru: 'ИИ не оценивал этот ответ.', en: 'The AI did not grade this answer.' },
  evidence: { ru: 'На какие места руководства опиралась оценка', en: 'Guide passages the verdict used' },
  accept: { ru: 'Согласиться с оценкой ИИ', en: 'Accept the AI verdict' },
  correct: { ru: 'Своя оценка', en: 'Your verdict' },
  score: { ru: 'Баллы', en: 'Score' },
  feedback: { ru: 'Отзыв студенту', en: 'Feedback to the student' },
  verdict: { ru: 'Решение', en: 'Decision' },
  accepted: { ru: 'зачтено', en: 'accepted' },
  needsWork: { ru: 'вернуть на доработку', en: 'return for rework' },
  send: { ru: 'Отправить оценку', en: 'Send the verdict' },
  decided: { ru: 'Оценка отправлена, студент увидит её в тетради.', en: 'Verdict sent: the student sees it in the workbook.' },
  of: { ru: 'из', en: 'of' },
  guide: { ru: 'Руководство', en: 'Guide' },
  kindAudit: { ru: 'Выборочная проверка: студент учится самостоятельно и уже видит оценку ИИ.', en: 'Second look: a self-learner, who already sees the AI verdict.' },
  kindAuditUnsure: { ru: 'Модель не уверена в оценке; студент учится самостоятельно и уже видит её.', en: 'The model was not sure of its verdict; the self-learner already sees it.' },
  kindDispute: { ru: 'Студент оспаривает оценку', en: 'The student disputes the verdict' },
  possibleCopy: { ru: 'Возможная копия: такой же ответ на это упражнение уже давал другой студент.', en: 'A possible copy: another student gave the same answer to this exercise.' },
  quotesReference: QUOTES_REFERENCE,
  disputedVerdict: { ru: 'Оспариваемая оценка', en: 'Disputed verdict' },
  keep: { ru: 'Оставить оценку как есть', en: 'Keep the verdict' },
  forbidden: { ru: 'Эти ответы проверяют наставники группы.', en: 'These answers are reviewed by the group\'s mentors.' },
  notFound: { ru: 'Такой проверки нет.', en: 'There is no such review.' },
  conflict: { ru: 'Этот ответ уже оценён или вернулся к проверке ИИ.', en: 'This answer was already decided, or went back to the AI check.' },
  invalid: { ru: 'Проверьте баллы и отзыв.', en: 'Check the score and the feedback.' },
  back: { ru: 'К списку', en: 'Back to the list' },
} as const;

/** The feedback of a decision staff made in NocoDB without typing one. */
export const STAFF_FEEDBACK = 'Оценку поставил сотрудник школы.';

/** The student's page for connecting their own assistant to the MCP server (/assistant). */
export const ASSISTANT_PAGE = {
  title: { ru: 'Ваш ИИ-ассистент и школа', en: 'Your AI assistant and the school' },
  intro: {
    ru: 'Подключите своего ассистента (Claude Desktop, Cursor, MCP Inspector) к школе: он увидит ваши тетради и ответы, найдёт нужное в руководствах и попросит проверку ваших отправленных ответов. Только ваше, и только пока токен не отозван.',
    en: 'Connect your own assistant (Claude Desktop, Cursor, the MCP Inspector) to the school: it sees your workbooks and answers, searches the guides and asks for checks of your submitted answers. Only yours, and only until you revoke the token.',
  },
  address: { ru: 'Адрес MCP-сервера', en: 'MCP server address' },
  tokens: { ru: 'Ваши токены', en: 'Your tokens' },
  none: { ru: 'Токенов пока нет.', en: 'No tokens yet.' },
  name: { ru: 'Название (например, «Claude на ноутбуке»)', en: 'Name (e.g. "Claude on my laptop")' },
  scope: { ru: 'Что можно', en: 'What it may do' },
  scopeRead: { ru: 'только читать: тетради, ответы, руководства, прогресс', en: 'read only: workbooks, answers, guides, progress' },
  scopeCheck: { ru: 'читать и просить проверку ответов', en: 'read and ask for checks of answers' },
  mint: { ru: 'Создать токен', en: 'Create a token' },
  revoke: { ru: 'Отозвать', en: 'Revoke' },
  revoked: { ru: 'отозван', en: 'revoked' },
  created: { ru: 'создан', en: 'created' },
  used: { ru: 'последний раз', en: 'last used' },
  never: { ru: 'ещё не использовался', en: 'not used yet' },
  shownOnce: {
    ru: 'Скопируйте токен сейчас: больше он показан не будет. Храните его как пароль.',
    en: 'Copy the token now: it will not be shown again. Keep it like a password.',
  },
  claude: { ru: 'Claude Desktop (через mcp-remote): добавьте в claude_desktop_config.json', en: 'Claude Desktop (through mcp-remote): add to claude_desktop_config.json' },
  inspector: { ru: 'MCP Inspector', en: 'MCP Inspector' },
  revokedNotice: { ru: 'Токен отозван.', en: 'The token is revoked.' },
  invalid: { ru: 'Проверьте название и что можно токену.', en: 'Check the name and what the token may do.' },
  limit: { ru: 'Слишком много действующих токенов: отзовите ненужный.', en: 'Too many live tokens: revoke one you do not use.' },
} as const;
