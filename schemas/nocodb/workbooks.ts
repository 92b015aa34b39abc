import { col, defineTable } from './define.ts';

/** Students' workbooks: one per student per guide, with exercises and the student's answers. */
export const exercises = defineTable({
  key: 'exercises', title: 'Exercises', description: 'Exercises of a guide section',
  columns: {
    Title: col.text(), Question: col.longText(), ReferenceAnswer: col.longText('Shown to mentors and the checker, never to students'),
    MaxPoints: col.int(), Position: col.int(),
    Resubmit: col.bool('A student may submit again after a verdict'),
  },
  links: [{ title: 'Answers', to: 'answers', type: 'hm' }],
  hooks: ['insert', 'update'],
  ru: {
    title: 'Упражнения', description: 'Упражнения раздела руководства',
    columns: {
      Title: ['Название', 'Название упражнения'],
      Question: ['Вопрос', 'Текст задания'],
      ReferenceAnswer: ['Эталонный ответ', 'Виден наставникам и проверке, но никогда студентам'],
      MaxPoints: ['Макс. баллы', 'Наибольшее число баллов за упражнение'],
      Position: ['Порядок', 'Порядковый номер упражнения'],
      Resubmit: ['Повторная сдача', 'Студент может сдать ответ снова после вердикта'],
    },
    links: { Answers: ['Ответы', 'Ответы студентов на это упражнение'] },
    backLinks: { Answers: 'Упражнение' },
  },
});

export const workbooks = defineTable({
  key: 'workbooks', title: 'Workbooks', description: 'One per student per guide',
  columns: {
    // Its student is the People link ("Студент"): picked in the grid, never an id typed by hand.
    Title: col.text(),
    Status: col.select(['active', 'completed', 'archived'] as const),
    ShareUrl: col.url('The student\'s shared view of their answers (set by the service)'),
  },
  links: [{ title: 'Answers', to: 'answers', type: 'hm' }],
  lookups: [{ key: 'StudentName', link: 'People', column: 'Name', description: 'The student\'s name (NocoDB fills it from the People link)', ru: ['Имя студента', 'Имя студента; заполняет NocoDB по столбцу Студент'] }],
  hooks: ['insert', 'update', 'delete'],
  ru: {
    title: 'Рабочие тетради', description: 'Рабочая тетрадь студента по руководству: одна на каждого студента и руководство',
    columns: {
      Title: ['Название', 'Название тетради'],
      Status: ['Статус', 'Состояние тетради'],
      ShareUrl: ['Ссылка для показа', 'Ссылка, по которой студент показывает свои ответы (заполняет сервис)'],
    },
    options: { Status: { active: 'активна', completed: 'завершена', archived: 'в архиве' } },
    links: { Answers: ['Ответы', 'Ответы студента на упражнения этой тетради'] },
    backLinks: { Answers: 'Рабочая тетрадь' },
  },
});

export const answers = defineTable({
  key: 'answers', title: 'Answers', description: 'A student\'s answer to an exercise, with the AI and mentor verdicts',
  columns: {
    Answer: col.longText(),
    StudentIdentity: col.text('The student\'s Ory identity id, copied by the service from the workbook\'s student (People)'),
    Status: col.select(['draft', 'submitted', 'checking', 'waiting_mentor', 'checked', 'returned'] as const),
    AIVerdict: col.longText('The checker\'s feedback to the student, as text (set by the service; the structured verdict stays in the service)'),
    AIOutcome: col.select(['accepted', 'needs_work'] as const, 'What the checker decided (set by the service)'),
    AIScore: col.decimal(), AICheckedAt: col.dateTime('When the checker took the answer (set by the service)'),
    MentorVerdict: col.longText('The mentor\'s feedback to the student; staff deciding in this grid type it here'),
    MentorScore: col.decimal(),
    MentorName: col.text('Who reviewed: the mentor\'s name, or the NocoDB user who decided in the grid (set by the service)'),
    MentorReviewedAt: col.dateTime('When the review was decided (set by the service)'),
    SubmittedAt: col.dateTime(),
    Dispute: col.longText('The student\'s objection to the verdict, from their workbook page; staff answer it in the reviewers\' queue'),
    DisputedAt: col.dateTime(),
  },
  // delete: a deleted answer's points are taken back (points), also when the webhook is lost (hooks/nocodb-sweep.ts sweepDeletions).
  lookups: [{ key: 'StudentName', link: 'Workbooks', column: 'StudentName', description: 'The name of the workbook\'s student (NocoDB fills it)', ru: ['Имя студента', 'Имя студента этой рабочей тетради; заполняет NocoDB'] }],
  hooks: ['insert', 'update', 'delete'],
  ru: {
    title: 'Ответы', description: 'Ответ студента на упражнение с вердиктами проверки ИИ и наставника',
    columns: {
      Answer: ['Ответ', 'Текст ответа студента'],
      StudentIdentity: ['ID студента', 'Идентификатор учётной записи студента; сервис копирует его из столбца Студент тетради'],
      Status: ['Статус', 'Где ответ на пути от черновика до проверки'],
      AIVerdict: ['Отзыв ИИ', 'Отзыв проверки ИИ студенту, текстом; пишет сервис, полная оценка хранится в сервисе'],
      AIOutcome: ['Итог ИИ', 'Что решила проверка ИИ; пишет сервис'],
      AIScore: ['Баллы ИИ', 'Баллы, которые поставила проверка ИИ'],
      AICheckedAt: ['Проверено ИИ', 'Когда проверка ИИ взяла ответ; пишет сервис'],
      MentorVerdict: ['Отзыв наставника', 'Отзыв наставника студенту; решая в этой таблице, впишите его сюда'],
      MentorScore: ['Баллы наставника', 'Баллы, которые поставил наставник'],
      MentorName: ['Проверил', 'Кто проверил: имя наставника или пользователь NocoDB, решивший в таблице; пишет сервис'],
      MentorReviewedAt: ['Проверено наставником', 'Когда наставник принял решение; пишет сервис'],
      SubmittedAt: ['Время сдачи', 'Когда студент сдал ответ'],
      Dispute: ['Возражение', 'Возражение студента против вердикта со страницы его тетради; сотрудники отвечают на него в очереди проверяющих'],
      DisputedAt: ['Время возражения', 'Когда студент возразил'],
    },
    options: {
      Status: { draft: 'черновик', submitted: 'сдан', checking: 'проверяется', waiting_mentor: 'ждёт наставника', checked: 'проверен', returned: 'возвращён' },
      AIOutcome: { accepted: 'зачтено', needs_work: 'на доработку' },
    },
  },
});

export const workbookTables = [exercises, workbooks, answers];
