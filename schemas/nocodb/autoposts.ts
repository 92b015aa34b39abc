import { col, defineTable } from './define.ts';

/**
 * Autoposts (issue 14 §5): staff write a post template and schedule it to Telegram groups.
 * These rows are requests; what was sent to which chat is the service's own record
 * (autopost_delivery, schemas/migrations/0710_autoposts.sql), shown back as the read-only
 * grid autopost_deliveries. Status is written by the service.
 */
export const TEMPLATE_PLACEHOLDERS = ['group', 'stream', 'product', 'date'] as const;

export const postTemplates = defineTable({
  key: 'post_templates', title: 'Post templates',
  description: 'Texts of posts to Telegram groups, sent as plain text. Placeholders, filled per chat: {{group}} (the group\'s title, or the product\'s for a product\'s chat), {{stream}}, {{product}}, {{date}} (the day it is sent, in the school\'s zone). Any other {{...}} stops the post before it is sent',
  columns: {
    Title: col.text(), Text: col.longText('Plain text, up to 4096 characters once filled in'),
    Language: col.select(['ru', 'en'] as const, 'How {{date}} is written (ru when empty)'),
  },
  links: [{ title: 'Autoposts', to: 'autoposts', type: 'hm' }],
  ru: {
    title: 'Шаблоны постов', description: 'Тексты постов в группы Telegram, отправляются простым текстом. Подстановки, заполняемые для каждого чата: {{group}} (название группы, а для чата продукта — продукта), {{stream}}, {{product}}, {{date}} (день отправки, в часовом поясе школы). Любая другая {{...}} останавливает пост до отправки',
    columns: {
      Title: ['Название', 'Название шаблона'],
      Text: ['Текст', 'Простой текст, до 4096 символов после подстановок'],
      Language: ['Язык', 'Как пишется {{date}} (ru, если пусто)'],
    },
    links: { Autoposts: ['Автопосты', 'Автопосты по этому шаблону'] },
    backLinks: { Autoposts: 'Шаблон поста' },
  },
});

export const autoposts = defineTable({
  key: 'autoposts', title: 'Autoposts',
  description: 'A post template sent once to each chat of the linked Groups, Products and Streams (each stream\'s groups) at SendAt. Status is the service\'s: scheduled, sending, sent N of M, or failed and why; each chat\'s outcome is in autopost_deliveries. An edit after sending began sends nothing again',
  columns: {
    Title: col.text(),
    SendAt: col.dateTime('When to send, stored in UTC; Status repeats it in the school\'s zone'),
    Cancelled: col.bool('Tick to send no more: chats not yet sent to are skipped'),
    Status: col.longText('Written by the service'),
  },
  links: [
    { title: 'Groups', to: 'groups', type: 'mm' },
    { title: 'Products', to: 'products', type: 'mm' },
    { title: 'Streams', to: 'streams', type: 'mm' },
  ],
  hooks: ['insert', 'update', 'delete'],
  ru: {
    title: 'Автопосты', description: 'Шаблон поста, отправляемый по одному разу в каждый чат связанных Групп, Продуктов и Потоков (групп каждого потока) во Время отправки. Статус пишет сервис: запланирован, отправляется, отправлено N из M или не отправлен и почему; итог по каждому чату — в autopost_deliveries. Правка после начала отправки ничего не отправляет заново',
    columns: {
      Title: ['Название', 'Название автопоста'],
      SendAt: ['Время отправки', 'Когда отправить, хранится в UTC; Статус повторяет его в часовом поясе школы'],
      Cancelled: ['Отменён', 'Отметьте, чтобы больше не отправлять: чаты, куда ещё не отправлено, пропускаются'],
      Status: ['Статус', 'Пишет сервис'],
    },
    links: {
      Groups: ['Группы', 'Группы, в чаты которых отправляется пост'],
      Products: ['Продукты', 'Продукты, в чаты которых отправляется пост'],
      Streams: ['Потоки', 'Потоки, в чаты групп которых отправляется пост'],
    },
  },
});

export const autopostTables = [postTemplates, autoposts];
