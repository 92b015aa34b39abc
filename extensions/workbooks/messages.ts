/** What a student reads on their workbook page, in Russian (the default) and English. */
import type { Lang } from '../../kernel/lang.ts';

export { personLocale, pickLang, type Lang } from '../../kernel/lang.ts';

const TEXT = {
  workbook: { ru: 'Рабочая тетрадь', en: 'Workbook' },
  question: { ru: 'Вопрос', en: 'Question' },
  yourAnswer: { ru: 'Ваш ответ', en: 'Your answer' },
  noAnswer: { ru: 'Ответа пока нет.', en: 'No answer yet.' },
  noExercises: { ru: 'В тетради пока нет упражнений.', en: 'The workbook has no exercises yet.' },
  status: { ru: 'Состояние', en: 'Status' },
  verdictAi: { ru: 'Оценка ИИ', en: 'AI verdict' },
  verdictMentor: { ru: 'Оценка наставника', en: 'Mentor\'s verdict' },
  score: { ru: 'Баллы', en: 'Score' },
  signIn: { ru: 'Войти', en: 'Sign in' },
  signInFirst: { ru: 'Войдите в свою учётную запись школы, чтобы открыть тетрадь.', en: 'Sign in with your school account to open the workbook.' },
  forbidden: { ru: 'Это не ваша тетрадь: открыть её могут только её владелец, наставники группы и сотрудники школы.', en: 'This is not your workbook: only its owner, the group\'s mentors and the school\'s staff may open it.' },
  notFound: { ru: 'Такой тетради нет.', en: 'There is no such workbook.' },
  of: { ru: 'из', en: 'of' },
  accepted: { ru: 'зачтено', en: 'accepted' },
  needsWork: { ru: 'нужно доработать', en: 'needs more work' },
  saveDraft: { ru: 'Сохранить черновик', en: 'Save draft' },
  submit: { ru: 'Отправить на проверку', en: 'Submit for checking' },
  saved: { ru: 'Черновик сохранён.', en: 'Draft saved.' },
  submitted: { ru: 'Ответ отправлен на проверку.', en: 'Your answer is submitted for checking.' },
  locked: { ru: 'Ответ на проверке: изменить его можно будет после оценки, если упражнение это позволяет.', en: 'Your answer is being checked: you can change it after its verdict, where the exercise allows it.' },
  history: { ru: 'Прежние версии', en: 'Earlier versions' },
  myWorkbooks: { ru: 'Мои рабочие тетради', en: 'My workbooks' },
  noWorkbooks: { ru: 'У вас пока нет рабочих тетрадей.', en: 'You have no workbooks yet.' },
  emptyAnswer: { ru: 'Напишите ответ, прежде чем отправлять его.', en: 'Write an answer before you submit it.' },
  tooLong: { ru: 'Ответ слишком длинный.', en: 'The answer is too long.' },
  autosaved: { ru: 'Черновик сохранён автоматически', en: 'Draft saved automatically' },
  autosaveFailed: { ru: 'Черновик не сохранился автоматически: нажмите «Сохранить черновик».', en: 'The draft was not saved automatically: press "Save draft".' },
  myPoints: { ru: 'Мои баллы и календарь', en: 'My points and calendar' },
  dispute: { ru: 'Не согласны с оценкой?', en: 'Disagree with the verdict?' },
  disputeReason: { ru: 'С чем вы не согласны и почему', en: 'What you disagree with, and why' },
  disputeSend: { ru: 'Оспорить оценку', en: 'Dispute the verdict' },
  disputed: { ru: 'Ваше возражение передано сотрудникам школы: они посмотрят ответ ещё раз, и вы увидите их оценку здесь.', en: 'Your objection has gone to the school\'s staff: they look at the answer again, and you see their verdict here.' },
  yourDispute: { ru: 'Ваше возражение', en: 'Your objection' },
  disputeEmpty: { ru: 'Напишите, с чем вы не согласны.', en: 'Say what you disagree with.' },
  alreadyDisputed: { ru: 'Эта оценка уже оспорена: дождитесь ответа или отправьте новый ответ.', en: 'This verdict is already disputed: wait for the answer, or submit a new answer.' },
  failed: { ru: 'Не получилось открыть тетрадь. Попробуйте ещё раз через минуту.', en: 'The workbook could not be opened. Try again in a minute.' },
} as const satisfies Record<string, Record<Lang, string>>;

const STATUS: Record<string, Record<Lang, string>> = {
  draft: { ru: 'черновик', en: 'draft' },
  submitted: { ru: 'отправлен на проверку', en: 'submitted for checking' },
  checking: { ru: 'проверяется', en: 'being checked' },
  waiting_mentor: { ru: 'ждёт наставника', en: 'waiting for your mentor' },
  checked: { ru: 'проверен', en: 'checked' },
  returned: { ru: 'возвращён на доработку', en: 'returned for rework' },
};

export type MessageKey = keyof typeof TEXT;
export const text = (key: MessageKey, lang: Lang): string => TEXT[key][lang];
export const statusText = (status: string | null, lang: Lang): string => (status ? STATUS[status]?.[lang] ?? status : STATUS.draft![lang]);
