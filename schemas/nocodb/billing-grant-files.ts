import { z } from 'zod';
import { grantRow } from '../events/billing.ts';
import { col, defineTable, jsonCell, nocodbFile, nocodbUser } from './define.ts';

/**
 * A teacher's file of students granted a plan in one run (issue 13). Staff add a row: the
 * CSV or XLSX (email, name, telegram_username, group, as the student import reads), the plan
 * (link exactly one), a Reason, and optionally Days or EndsOn. The service imports the
 * people (identity's student import), grants each the plan as a staff grant does, and writes
 * back Status, Progress and Report (read-only for staff: what they write there is
 * overwritten). The same file again grants nothing twice; a new file, plan, reason or period
 * on the row is a new run, in which who was granted already is not granted again.
 */
export const grantFiles = defineTable({
  key: 'grant_files', title: 'Grant files',
  description: 'A teacher\'s CSV or XLSX of students, each granted the linked plan (link exactly one) with the Reason (required). Status, Progress and Report are written by the service',
  columns: {
    File: col.attachment('One CSV or XLSX: a header line with email (required), name, telegram_username, group, locale, jurisdiction, phone'),
    Reason: col.longText('Why they are given it (required)'),
    Days: col.int('How many days it holds from today (empty: EndsOn, or one period of the plan)'),
    EndsOn: col.date('The last day it holds (empty: Days, or one period of the plan)'),
    Status: col.text('Written by the service: queued, running, done or refused, and why'),
    Progress: col.text('Written by the service: lines done of all, e.g. 37/120'),
    Report: col.longText('Written by the service: what went wrong, line by line'),
    'Edited by': col.lastModifiedBy('Who last changed the row (NocoDB keeps it): the grants are made in their name'),
    'Made by': col.createdBy('Who added the row (NocoDB keeps it)'),
  },
  links: [{ title: 'Plan', to: 'plans', type: 'mm' }],
  hooks: ['insert', 'update'],
  ru: {
    title: 'Файлы выдачи', description: 'CSV или XLSX преподавателя со студентами: каждому выдаётся связанный тариф (свяжите ровно один) с указанной Причиной (обязательна). Статус, Ход и Отчёт пишет сервис',
    columns: {
      File: ['Файл', 'Один CSV или XLSX: строка заголовков с email (обязательно), name, telegram_username, group, locale, jurisdiction, phone'],
      Reason: ['Причина', 'Почему им выдаётся (обязательно)'],
      Days: ['Дней', 'Сколько дней действует начиная с сегодня (пусто: до Конца или один период тарифа)'],
      EndsOn: ['Конец', 'Последний день действия (пусто: по Дням или один период тарифа)'],
      Status: ['Статус', 'Пишет сервис: в очереди, выполняется, готово или отказ, и почему'],
      Progress: ['Ход', 'Пишет сервис: сколько строк сделано из всех, например 37/120'],
      Report: ['Отчёт', 'Пишет сервис: что пошло не так, по строкам'],
      'Edited by': ['Изменил', 'Кто последним менял строку (ведёт NocoDB): выдачи делаются от его имени'],
      'Made by': ['Создал', 'Кто добавил строку (ведёт NocoDB)'],
    },
    links: { Plan: ['Тариф', 'Выдаваемый тариф (ровно один)'] },
  },
});

export const billingGrantFileTables = [grantFiles];

const { Id: rowId, Reason: text, StartsOn: day } = grantRow.shape;
const files = z.preprocess(jsonCell, z.array(nocodbFile).nullish()).transform((v) => v ?? []);
const user = nocodbUser.nullish().transform((v) => v ?? null);

/** A Grant files row as its webhooks and the sweep carry it. */
export const grantFileRow = z.looseObject({
  Id: rowId, File: files, Reason: text, Days: z.coerce.number().int().nullish().transform((v) => v ?? null), EndsOn: day,
  'Edited by': user, 'Made by': user, CreatedAt: z.string().nullish(), UpdatedAt: z.string().nullish(),
});
export type GrantFileRow = z.infer<typeof grantFileRow>;
