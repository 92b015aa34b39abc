import { col, defineTable } from './define.ts';

/** The school's meta-model: what it teaches (guides, qualifications, programs) and to whom (streams, groups, people). */
export const qualifications = defineTable({
  key: 'qualifications', title: 'Qualifications', description: 'Qualifications a student can earn',
  columns: { Title: col.text(), Code: col.text(), Description: col.longText() },
  ru: {
    title: 'Квалификации', description: 'Квалификации, которые может получить студент',
    columns: {
      Title: ['Название', 'Название квалификации'],
      Code: ['Код', 'Краткий код квалификации'],
      Description: ['Описание', 'Описание квалификации'],
    },
  },
});

export const guides = defineTable({
  key: 'guides', title: 'Guides', description: 'Online guides: Markdown texts with exercises',
  columns: {
    Title: col.text(), Slug: col.text('Folder of the guide in the docs repository'),
    Language: col.select(['ru', 'en'] as const), Description: col.longText(),
  },
  links: [
    { title: 'Versions', to: 'guide_versions', type: 'hm' },
    { title: 'Exercises', to: 'exercises', type: 'hm' },
    { title: 'Workbooks', to: 'workbooks', type: 'hm' },
  ],
  hooks: ['insert', 'update'],
  ru: {
    title: 'Руководства', description: 'Онлайн-руководства: тексты в Markdown с упражнениями',
    columns: {
      Title: ['Название', 'Название руководства'],
      Slug: ['Папка', 'Папка руководства в репозитории документации'],
      Language: ['Язык', 'Язык руководства'],
      Description: ['Описание', 'Описание руководства'],
    },
    links: {
      Versions: ['Издания', 'Издания (версии) этого руководства'],
      Exercises: ['Упражнения', 'Упражнения этого руководства'],
      Workbooks: ['Рабочие тетради', 'Рабочие тетради студентов по этому руководству'],
    },
    backLinks: { Versions: 'Руководство', Exercises: 'Руководство', Workbooks: 'Руководство' },
  },
});

export const guideVersions = defineTable({
  key: 'guide_versions', title: 'Guide versions', description: 'Editions of a guide',
  columns: { Version: col.text(), PublishedAt: col.date(), Notes: col.longText('What changed, for students') },
  links: [{ title: 'Sections', to: 'guide_sections', type: 'hm' }],
  ru: {
    title: 'Издания руководств', description: 'Издания (версии) руководства',
    columns: {
      Version: ['Версия', 'Номер или обозначение издания'],
      PublishedAt: ['Дата выхода', 'День выхода издания'],
      Notes: ['Что нового', 'Что изменилось, для студентов'],
    },
    links: { Sections: ['Разделы', 'Разделы этого издания'] },
    backLinks: { Sections: 'Издание' },
  },
});

export const guideSections = defineTable({
  key: 'guide_sections', title: 'Guide sections', description: 'Sections of a guide edition',
  columns: { Title: col.text(), Anchor: col.text(), Position: col.int() },
  links: [{ title: 'Exercises', to: 'exercises', type: 'hm' }],
  ru: {
    title: 'Разделы руководств', description: 'Разделы издания руководства',
    columns: {
      Title: ['Название', 'Название раздела'],
      Anchor: ['Якорь', 'Якорь раздела в тексте руководства'],
      Position: ['Порядок', 'Порядковый номер раздела'],
    },
    links: { Exercises: ['Упражнения', 'Упражнения этого раздела'] },
    backLinks: { Exercises: 'Раздел' },
  },
});

export const programs = defineTable({
  key: 'programs', title: 'Programs', description: 'Programs: guides leading to qualifications',
  columns: { Title: col.text(), Description: col.longText() },
  links: [
    { title: 'Qualifications', to: 'qualifications', type: 'mm' },
    { title: 'Guides', to: 'guides', type: 'mm' },
    { title: 'Streams', to: 'streams', type: 'hm' },
  ],
  ru: {
    title: 'Программы', description: 'Программы: руководства, ведущие к квалификациям',
    columns: {
      Title: ['Название', 'Название программы'],
      Description: ['Описание', 'Описание программы'],
    },
    links: {
      Qualifications: ['Квалификации', 'Квалификации, к которым ведёт программа'],
      Guides: ['Руководства', 'Руководства программы'],
      Streams: ['Потоки', 'Потоки (запуски) этой программы'],
    },
    backLinks: { Streams: 'Программа' },
  },
});

export const streams = defineTable({
  key: 'streams', title: 'Streams', description: 'A run of a program with start and end dates',
  columns: { Title: col.text(), StartsOn: col.date(), EndsOn: col.date() },
  links: [{ title: 'Groups', to: 'groups', type: 'hm' }],
  ru: {
    title: 'Потоки', description: 'Запуск программы с датами начала и окончания',
    columns: {
      Title: ['Название', 'Название потока'],
      StartsOn: ['Начало', 'Дата начала потока'],
      EndsOn: ['Конец', 'Дата окончания потока'],
    },
    links: { Groups: ['Группы', 'Группы этого потока'] },
    backLinks: { Groups: 'Поток' },
  },
});

export const people = defineTable({
  key: 'people', title: 'People', description: 'Students, mentors, authors and staff; IdentityId is their Ory Kratos identity',
  columns: {
    Name: col.text(), Email: col.email(), IdentityId: col.text('Ory Kratos identity id'),
    TelegramId: col.text(), TelegramUsername: col.text(),
    Roles: col.multiSelect(['student', 'mentor', 'author', 'staff', 'ambassador', 'admin'] as const),
    TimeZone: col.text('IANA time zone, e.g. Europe/Moscow'), Locale: col.select(['ru', 'en'] as const),
  },
  // Mentoring: a Mentors row picks its person (the Mentors grid's People column), no id pasted.
  links: [{ title: 'Workbooks', to: 'workbooks', type: 'hm' }, { title: 'Mentoring', to: 'mentors', type: 'hm' }, { title: 'Grants', to: 'grants', type: 'hm' }, { title: 'Seat assignments', to: 'seat_assignments', type: 'hm' }],
  hooks: ['insert', 'update'],
  ru: {
    title: 'Люди', description: 'Студенты, наставники, авторы и сотрудники; IdentityId (ID в Ory) — их учётная запись в Ory Kratos',
    columns: {
      Name: ['Имя', 'Имя человека'],
      Email: ['Эл. почта', 'Адрес электронной почты'],
      IdentityId: ['ID в Ory', 'Идентификатор учётной записи в Ory Kratos'],
      TelegramId: ['ID в Telegram', 'Идентификатор пользователя в Telegram'],
      TelegramUsername: ['Ник в Telegram', 'Имя пользователя в Telegram'],
      Roles: ['Роли', 'Роли человека в школе'],
      TimeZone: ['Часовой пояс', 'Часовой пояс IANA, например Europe/Moscow'],
      Locale: ['Язык', 'Язык человека: ru или en'],
    },
    options: {
      Roles: { student: 'студент', mentor: 'наставник', author: 'автор', staff: 'сотрудник', ambassador: 'амбассадор', admin: 'администратор' },
    },
    links: {
      Workbooks: ['Рабочие тетради', 'Рабочие тетради этого человека'],
      Mentoring: ['Наставничество', 'Строки таблицы Наставники, где выбран этот человек'],
      Grants: ['Выдачи доступа', 'Подписки, выданные этому человеку вручную'],
      'Seat assignments': ['Выданные места', 'Корпоративные места, выданные этому человеку'],
    },
    backLinks: { Workbooks: 'Студент', Mentoring: 'Человек', Grants: 'Человек', 'Seat assignments': 'Человек' },
  },
});

export const groups = defineTable({
  key: 'groups', title: 'Groups', description: 'Mentor-led or self-paced groups, each with its Telegram chat',
  columns: {
    Title: col.text(), Mode: col.select(['mentor_led', 'self_paced'] as const),
    TelegramChatId: col.text(), TelegramInviteLink: col.url(),
  },
  links: [
    { title: 'Members', to: 'people', type: 'mm' },
    { title: 'Workbooks', to: 'workbooks', type: 'hm' },
  ],
  lookups: [{ key: 'MemberNames', link: 'Members', column: 'Name', description: 'The names of its members (NocoDB fills it from Members)', ru: ['Имена участников', 'Имена тех, кто в группе; заполняет NocoDB по столбцу Участники'] }],
  hooks: ['insert', 'update', 'delete'],
  ru: {
    title: 'Группы', description: 'Группы с наставником или для самостоятельного прохождения, у каждой свой чат в Telegram',
    columns: {
      Title: ['Название', 'Название группы'],
      Mode: ['Формат', 'С наставником или самостоятельно'],
      TelegramChatId: ['ID чата', 'Идентификатор чата группы в Telegram'],
      TelegramInviteLink: ['Приглашение в чат', 'Ссылка-приглашение в чат группы в Telegram'],
    },
    options: { Mode: { mentor_led: 'с наставником', self_paced: 'самостоятельно' } },
    links: {
      Members: ['Участники', 'Люди, которые состоят в группе'],
      Workbooks: ['Рабочие тетради', 'Рабочие тетради этой группы'],
    },
    backLinks: { Workbooks: 'Группа' },
  },
});

export const mentors = defineTable({
  key: 'mentors', title: 'Mentors', description: 'Mentors and the groups they lead: pick the person (People) and the groups (Groups)',
  columns: { Name: col.text(), IdentityId: col.text('Ory Kratos identity id; not needed when the person is picked in People'), Active: col.bool(), Bio: col.longText() },
  links: [{ title: 'Groups', to: 'groups', type: 'mm' }],
  lookups: [{ key: 'GroupTitles', link: 'Groups', column: 'Title', description: 'The groups it leads, by title (NocoDB fills it from Groups)', ru: ['Названия групп', 'Группы наставника по названию; заполняет NocoDB по столбцу Группы'] }],
  hooks: ['insert', 'update', 'delete'],
  ru: {
    title: 'Наставники', description: 'Наставники и группы, которые они ведут: выберите человека (столбец Человек) и группы (столбец Группы)',
    columns: {
      Name: ['Имя', 'Имя наставника'],
      IdentityId: ['ID в Ory', 'Идентификатор учётной записи в Ory Kratos; не нужен, если человек выбран в столбце Человек'],
      Active: ['Активен', 'Отмечено: наставник активен'],
      Bio: ['О себе', 'Рассказ о наставнике'],
    },
    links: { Groups: ['Группы', 'Группы, которые ведёт наставник'] },
  },
});

export const metaModelTables = [qualifications, guides, guideVersions, guideSections, programs, streams, people, groups, mentors];
