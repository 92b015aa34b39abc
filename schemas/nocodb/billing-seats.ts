import { z } from 'zod';
import { grantRow, planRow } from '../events/billing.ts';
import { col, defineTable } from './define.ts';

/**
 * Corporate seats (issue 13): an organisation has N seats of a plan for a period, and staff
 * (for the organisation's contact) give and free them in NocoDB. A pack's plan is an mm link
 * declared here (Plans itself is not edited; exactly one plan is linked); each assignment
 * belongs to its pack (Seat packs.Seat assignments) and to its person (People.Seat
 * assignments, declared on People). What each row became is the service's record, shown
 * back as billing_seat_packs and billing_seat_assignments.
 */
export const SEAT_KINDS = ['corporate', 'free corporate'] as const;

export const seatPacks = defineTable({
  key: 'seat_packs', title: 'Seat packs',
  description: 'Seats an organisation has for a period: how many, of which plan (link exactly one), corporate (sold to it) or free corporate (given). Never more holders than Seats; what is taken is in billing_seat_packs',
  columns: {
    Organisation: col.text(), Seats: col.int('How many people may hold it at once'),
    StartsOn: col.date('The first day the seats hold'), EndsOn: col.date('The last day the seats hold'),
    Kind: col.select(SEAT_KINDS, 'corporate: the organisation pays (invoiced outside the service for now); free corporate: given'),
    Reason: col.longText('The contract or invoice, or why it is free (required)'), Note: col.longText(),
    Contact: col.email('Who at the organisation asks for seats to be given and freed'),
  },
  links: [
    { title: 'Seat assignments', to: 'seat_assignments', type: 'hm' },
    { title: 'Plan', to: 'plans', type: 'mm' },
  ],
  hooks: ['insert', 'update', 'delete'],
  ru: {
    title: 'Пакеты мест', description: 'Места организации на период: сколько, какого тарифа (свяжите ровно один), корпоративные (проданы ей) или бесплатные корпоративные (выданы). Владельцев никогда не больше, чем Число мест; что занято — в billing_seat_packs',
    columns: {
      Organisation: ['Организация', 'Название организации'],
      Seats: ['Число мест', 'Сколько человек могут владеть им одновременно'],
      StartsOn: ['Начало', 'Первый день действия мест'],
      EndsOn: ['Конец', 'Последний день действия мест'],
      Kind: ['Вид', 'корпоративный: платит организация (пока счёт выставляется вне сервиса); бесплатный корпоративный: выдан бесплатно'],
      Reason: ['Основание', 'Договор или счёт, или почему бесплатно (обязательно)'],
      Note: ['Примечание', 'Примечание к пакету'],
      Contact: ['Контакт', 'Кто в организации просит выдать и освободить места'],
    },
    options: { Kind: { corporate: 'корпоративный', 'free corporate': 'бесплатный корпоративный' } },
    links: {
      'Seat assignments': ['Выданные места', 'Места этого пакета, выданные людям'],
      Plan: ['Тариф', 'Тариф мест (ровно один)'],
    },
    backLinks: { 'Seat assignments': 'Пакет мест' },
  },
});

export const seatAssignments = defineTable({
  key: 'seat_assignments', title: 'Seat assignments',
  description: 'One seat of a pack given to a person (link the pack and the person). Tick Freed (with a reason) to give the seat back; a refused one says why in billing_seat_assignments and is tried again when edited',
  columns: { Freed: col.bool(), FreedReason: col.text('Why the seat is given back (required to free it)'), Note: col.text() },
  hooks: ['insert', 'update', 'delete'],
  ru: {
    title: 'Выданные места', description: 'Одно место пакета, выданное человеку (свяжите пакет и человека). Чтобы вернуть место, отметьте Освобождено (и укажите причину); отказ объяснён в billing_seat_assignments, а после правки строки выдача пробуется снова',
    columns: {
      Freed: ['Освобождено', 'Отмечено: место возвращено'],
      FreedReason: ['Причина освобождения', 'Почему место возвращают (обязательно, чтобы освободить)'],
      Note: ['Примечание', 'Примечание к месту'],
    },
  },
});

export const billingSeatTables = [seatPacks, seatAssignments];

// The cells as billing's other rows read them (schemas/events/billing.ts): empty is null.
const { Id: rowId, Reason: text, StartsOn: day, Revoked: bool, people_id: fk } = grantRow.shape;
const count = planRow.shape.TrialDays;

/** Rows of these tables as their webhooks and the sweep carry them (a belongs-to link as its foreign key). */
export const seatPackRow = z.looseObject({
  Id: rowId, Organisation: text, Seats: count, StartsOn: day, EndsOn: day,
  Kind: z.enum(SEAT_KINDS).nullish().transform((v) => v ?? null), Reason: text, Note: text,
  Contact: text.transform((v) => v?.toLowerCase() ?? null), CreatedAt: z.string().nullish(), UpdatedAt: z.string().nullish(),
});
export const seatAssignmentRow = z.looseObject({
  Id: rowId, Freed: bool, FreedReason: text, CreatedAt: z.string().nullish(), UpdatedAt: z.string().nullish(), people_id: fk, seat_packs_id: fk,
});
export type SeatPackRow = z.infer<typeof seatPackRow>;
export type SeatAssignmentRow = z.infer<typeof seatAssignmentRow>;
