import { col, defineTable } from './define.ts';

/** The CRM: contacts and leads. What the school sells and grants is billing's (billing.ts). */
export const contacts = defineTable({
  key: 'contacts', title: 'Contacts', description: 'Everyone the school talks to; one per Ory identity (IdentityId)',
  columns: {
    Name: col.text(), Email: col.email(), Phone: col.phone(), TelegramUsername: col.text(),
    IdentityId: col.text('Ory Kratos identity id; unique'), Jurisdiction: col.select(['ru', 'world'] as const),
    Source: col.text('Where the contact came from'), Notes: col.longText(),
  },
  links: [
    { title: 'Leads', to: 'leads', type: 'hm' },
  ],
  ru: {
    title: 'Контакты', description: 'Все, с кем общается школа; один контакт на учётную запись Ory (ID в Ory)',
    columns: {
      Name: ['Имя', 'Имя контакта'],
      Email: ['Эл. почта', 'Адрес электронной почты'],
      Phone: ['Телефон', 'Номер телефона'],
      TelegramUsername: ['Ник в Telegram', 'Имя пользователя в Telegram'],
      IdentityId: ['ID в Ory', 'Идентификатор учётной записи в Ory Kratos; уникален'],
      Jurisdiction: ['Юрисдикция', 'Юрисдикция контакта: ru или world'],
      Source: ['Источник', 'Откуда пришёл контакт'],
      Notes: ['Заметки', 'Заметки о контакте'],
    },
    links: { Leads: ['Заявки', 'Заявки этого контакта'] },
    backLinks: { Leads: 'Контакт' },
  },
});

export const leads = defineTable({
  key: 'leads', title: 'Leads', description: 'Requests from the contact form',
  columns: {
    Name: col.text(), Email: col.email(), Phone: col.phone(), Message: col.longText(),
    Source: col.text(), Status: col.select(['new', 'contacted', 'won', 'lost'] as const),
  },
  hooks: ['insert'],
  ru: {
    title: 'Заявки', description: 'Заявки из формы обратной связи',
    columns: {
      Name: ['Имя', 'Имя из заявки'],
      Email: ['Эл. почта', 'Адрес электронной почты из заявки'],
      Phone: ['Телефон', 'Номер телефона из заявки'],
      Message: ['Сообщение', 'Текст заявки'],
      Source: ['Источник', 'Откуда пришла заявка'],
      Status: ['Статус', 'Этап работы с заявкой'],
    },
    options: { Status: { new: 'новая', contacted: 'связались', won: 'успешная', lost: 'потеряна' } },
  },
});

export const crmTables = [contacts, leads];
