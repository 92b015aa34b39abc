import { POINTS_KINDS } from '../events/points.ts';
import { col, defineTable } from './define.ts';

/**
 * The NocoDB table where staff edit the points rules; provisioning creates it and its
 * webhooks (insert, update, delete), which reach points as nocodb.points_rules.<operation>
 * and are mirrored into points_rule (rule-mirror.ts). One row is one rule; the rule of a
 * kind in force on a day is the one with the latest EffectiveFrom on or before that day.
 */
export const pointsRulesTable = defineTable({
  key: 'points_rules',
  title: 'Points rules',
  description: 'How many points each active action earns. A change is recomputed for every day it covers (see EffectiveFrom).',
  columns: {
    Kind: col.select(POINTS_KINDS, 'The action this rule awards'),
    Points: col.int('Points per action'),
    PerCharacter: col.decimal('Extra points per character written (three decimals, e.g. 0.010)', 3),
    PerMinute: col.decimal('Extra points per minute (reading time)', 3),
    MinLength: col.int('Fewer characters than this earn nothing (0: no minimum)'),
    DailyCap: col.int('Most points a person earns for this kind in a day (empty or 0: no cap)'),
    CooldownSeconds: col.int('An action this soon after the previous one of the kind earns nothing'),
    EffectiveFrom: col.date('First day the rule applies (a day in each person\'s time zone); earlier days keep earlier rules'),
    AmbassadorShare: col.decimal('Share of the points that goes to the person\'s ambassador, 0 to 1 (e.g. 0.100)', 3),
    Note: col.longText('Why the rule is as it is (for staff)'),
  },
  hooks: ['insert', 'update', 'delete'],
  // A row is its kind ("exercise_answer"), not its points ("2").
  display: 'Kind',
  ru: {
    title: 'Правила баллов', description: 'Сколько баллов приносит каждое активное действие. Изменение пересчитывается за каждый день, который оно охватывает (см. Действует с)',
    columns: {
      Kind: ['Действие', 'Действие, за которое начисляет это правило'],
      Points: ['Баллы', 'Баллы за действие'],
      PerCharacter: ['За символ', 'Дополнительные баллы за каждый написанный символ (три знака после точки, например 0.010)'],
      PerMinute: ['За минуту', 'Дополнительные баллы за минуту (время чтения)'],
      MinLength: ['Мин. длина', 'Текст короче этого числа символов ничего не приносит (0: без минимума)'],
      DailyCap: ['Дневной предел', 'Наибольшее число баллов, которое человек получает за действия этого вида за день (пусто или 0: без предела)'],
      CooldownSeconds: ['Пауза в секундах', 'Действие, сделанное меньше чем через столько секунд после предыдущего действия того же вида, ничего не приносит'],
      EffectiveFrom: ['Действует с', 'Первый день действия правила (день в часовом поясе каждого человека); более ранние дни сохраняют прежние правила'],
      AmbassadorShare: ['Доля амбассадора', 'Доля баллов, которая идёт амбассадору человека, от 0 до 1 (например 0.100)'],
      Note: ['Примечание', 'Почему правило такое (для сотрудников)'],
    },
    options: {
      Kind: {
        club_post: 'сообщение в клубе', club_topic: 'новая тема в клубе', telegram_note: 'заметка в Telegram',
        exercise_answer: 'ответ на упражнение', reading_heartbeat: 'чтение руководства', ai_question: 'вопрос ИИ',
        author_question: 'вопрос автору', error_report: 'сообщение об ошибке', draft: 'черновик',
        note: 'заметка из бота или приложения',
      },
    },
  },
});

/** A starting set of rules for provisioning to insert into an empty points_rules table. */
export const defaultRules: Record<string, unknown>[] = [
  { Kind: 'club_post', Points: 2, PerCharacter: 0.01, MinLength: 20, DailyCap: 60, CooldownSeconds: 30, EffectiveFrom: '2000-01-01', AmbassadorShare: 0.1 },
  { Kind: 'club_topic', Points: 3, DailyCap: 15, EffectiveFrom: '2000-01-01', AmbassadorShare: 0.1 },
  { Kind: 'telegram_note', Points: 1, PerCharacter: 0.01, MinLength: 10, DailyCap: 30, CooldownSeconds: 60, EffectiveFrom: '2000-01-01', AmbassadorShare: 0.1 },
  { Kind: 'note', Points: 1, PerCharacter: 0.01, MinLength: 10, DailyCap: 30, CooldownSeconds: 60, EffectiveFrom: '2000-01-01', AmbassadorShare: 0.1 },
  { Kind: 'exercise_answer', Points: 5, PerCharacter: 0.02, MinLength: 30, DailyCap: 100, EffectiveFrom: '2000-01-01', AmbassadorShare: 0.1 },
  { Kind: 'reading_heartbeat', Points: 0, PerMinute: 1, DailyCap: 120, EffectiveFrom: '2000-01-01', AmbassadorShare: 0.05 },
  { Kind: 'ai_question', Points: 1, MinLength: 10, DailyCap: 20, CooldownSeconds: 30, EffectiveFrom: '2000-01-01', AmbassadorShare: 0.05 },
  { Kind: 'author_question', Points: 3, MinLength: 20, DailyCap: 15, EffectiveFrom: '2000-01-01', AmbassadorShare: 0.1 },
  { Kind: 'error_report', Points: 5, DailyCap: 25, EffectiveFrom: '2000-01-01', AmbassadorShare: 0.1 },
  { Kind: 'draft', Points: 0, PerCharacter: 0.005, DailyCap: 30, EffectiveFrom: '2000-01-01', AmbassadorShare: 0 },
];
