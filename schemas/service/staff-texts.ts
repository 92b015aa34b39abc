/**
 * How the staff views (staff-views.ts) read in NocoDB for a Russian-speaking member of staff:
 * per view a title, a description (what a row is, what it is for), a title per column and,
 * where a title is not enough, a note on the column, keyed by the view's and the columns'
 * English names in PostgreSQL. The order of this list is
 * the order of the source's tables in NocoDB: what staff use most first, the technical ones
 * last. nocodb/service-source.ts applies it at each start; this is its only copy.
 */
export interface StaffViewTexts {
  view: string;
  title: string;
  description: string;
  columns: Readonly<Record<string, string>>;
  columnNotes?: Readonly<Record<string, string>>;
}

const person = { person_id: 'Человек (id в Ory)', person_name: 'Имя', person_email: 'E-mail' } as const;

export const STAFF_TEXTS: readonly StaffViewTexts[] = [
  {
    view: 'points_totals', title: 'Баллы: итоги',
    description: 'Строка: человек и все его баллы, с местом в общем рейтинге. Для рейтинга, наград и ответов «сколько у меня баллов».',
    columns: {
      rank: 'Место', person_id: person.person_id, display_name: 'Имя', points: 'Баллы', characters: 'Символов написано',
      points_this_week: 'Баллы за неделю', points_this_month: 'Баллы за месяц', last_day: 'Последний активный день',
    },
    columnNotes: { points_this_week: 'С понедельника, по часовому поясу школы.', rank: 'Равные баллы делят одно место.' },
  },
  {
    view: 'ai_review_queue', title: 'Проверка ответов: очередь',
    description: 'Строка: ответ ученика, который ждёт решения наставника (ИИ не уверен или ученик просил живую проверку). Отсюда берут работу на проверку.',
    columns: {
      review_id: 'Проверка №', group_id: 'Группа', status: 'Статус', created_at: 'В очереди с', check_id: 'Проверка ИИ №',
      answer_id: 'Ответ (id)', student_id: 'Ученик (id в Ory)', exercise_id: 'Упражнение (id)', exercise_title: 'Упражнение',
      answer_text: 'Текст ответа', reason: 'Почему на проверке', max_score: 'Максимум баллов', ai_verdict: 'Вердикт ИИ',
      ai_score: 'Оценка ИИ', ai_feedback: 'Отзыв ИИ', kind: 'Вид проверки', note: 'Заметка', guide_title: 'Методичка',
      confidence: 'Уверенность ИИ', person_name: 'Имя ученика', person_email: 'E-mail ученика',
    },
  },
  {
    view: 'billing_subscriptions', title: 'Подписки',
    description: 'Строка: подписка человека на продукт по тарифу, со сроками и статусом. Чтобы ответить, что у человека оплачено и до какого дня.',
    columns: {
      id: 'Подписка №', ...person, product_id: 'Продукт (№)', product: 'Продукт', plan_id: 'Тариф (№)', plan: 'Тариф',
      kind: 'Вид', status: 'Статус', starts_on: 'С', ends_on: 'По', price_minor: 'Цена (в копейках/центах)', currency: 'Валюта',
      source: 'Откуда', created_at: 'Создана', updated_at: 'Изменена', holds_today: 'Действует сегодня',
    },
    columnNotes: {
      price_minor: 'В копейках или центах: 150000 RUB — это 1500 ₽.',
      holds_today: 'Статус пробная, активная или с просроченным платежом, и сегодня внутри срока.',
    },
  },
  {
    view: 'billing_holders_today', title: 'Подписчики сегодня',
    description: 'Строка: продукт и тариф с числом людей, у кого подписка действует сегодня. Для сводки «сколько у нас учится».',
    columns: { product_id: 'Продукт (№)', product: 'Продукт', plan_id: 'Тариф (№)', plan: 'Тариф', kind: 'Вид', holders: 'Людей' },
  },
  {
    view: 'billing_revenue_monthly', title: 'Выручка по месяцам',
    description: 'Строка: месяц, продукт, платёжная система и валюта с выручкой за месяц (за вычетом возвратов). Для отчётов.',
    columns: { month: 'Месяц', product: 'Продукт', provider: 'Платёжная система', currency: 'Валюта', revenue_minor: 'Выручка (в копейках/центах)' },
  },
  {
    view: 'billing_moves_monthly', title: 'Подписки по месяцам: движение',
    description: 'Строка: месяц и продукт: сколько подписок новых, продлённых, истёкших, отменённых, пробных и оплаченных после пробы.',
    columns: {
      month: 'Месяц', product_id: 'Продукт (№)', new: 'Новых', renewed: 'Продлено', lapsed: 'Истекло', cancelled: 'Отменено',
      trials: 'Пробных', trials_paid: 'Оплачено после пробы',
    },
  },
  {
    view: 'billing_paid_months', title: 'Оплаченные месяцы',
    description: 'Строка: человек и месяц, в котором он платил, с числом платежей. Для подсчёта, кто платит подряд.',
    columns: { person_id: person.person_id, month: 'Месяц', payments: 'Платежей' },
  },
  {
    view: 'billing_balance', title: 'Остатки на счетах',
    description: 'Строка: счёт учёта и валюта с остатком и числом проводок. Для сверки с платёжными системами.',
    columns: { account: 'Счёт', currency: 'Валюта', balance_minor: 'Остаток (в копейках/центах)', entries: 'Проводок' },
  },
  {
    view: 'billing_orders', title: 'Заказы и оплаты',
    description: 'Строка: заказ человека и попытка его оплатить в платёжной системе. Чтобы найти платёж, когда человек пишет, что заплатил.',
    columns: {
      order_id: 'Заказ (id)', ...person, plan_id: 'Тариф (№)', plan: 'Тариф', amount_minor: 'Сумма (в копейках/центах)',
      currency: 'Валюта', order_status: 'Статус заказа', attempt_id: 'Попытка (id)', provider: 'Платёжная система',
      attempt_status: 'Статус оплаты', provider_payment_id: 'Платёж в системе (id)', created_at: 'Создан', updated_at: 'Изменён',
    },
  },
  {
    view: 'billing_installments', title: 'Рассрочка: платежи',
    description: 'Строка: очередной платёж рассрочки по подписке, со сроком и состоянием. Чтобы видеть, кто и когда должен заплатить.',
    columns: {
      subscription_id: 'Подписка №', order_id: 'Заказ (id)', ...person, plan_id: 'Тариф (№)', plan: 'Тариф',
      subscription_status: 'Статус подписки', n: 'Платёж №', due_on: 'Срок', amount_minor: 'Сумма (в копейках/центах)',
      currency: 'Валюта', state: 'Состояние', invoice_transfer_id: 'Счёт (проводка)', paid_transfer_id: 'Оплата (проводка)',
      updated_at: 'Изменён',
    },
  },
  {
    view: 'billing_grants', title: 'Выданные доступы',
    description: 'Строка: доступ, выданный сотрудником вручную (таблица Grants в NocoDB), и что из него вышло. Для проверки выдачи.',
    columns: {
      grant_row: 'Строка Grants', ...person, plan_id: 'Тариф (№)', plan: 'Тариф', kind: 'Вид', reason: 'Причина',
      outcome: 'Итог', subscription_id: 'Подписка №', status: 'Статус подписки', starts_on: 'С', ends_on: 'По', updated_at: 'Изменён',
    },
  },
  {
    view: 'billing_grant_files', title: 'Выдача доступов файлом',
    description: 'Строка: загруженный файл со списком людей для выдачи доступа и как он обработан. Для проверки массовой выдачи.',
    columns: {
      grant_file_row: 'Строка файлов', status: 'Статус', file_name: 'Файл', plan_id: 'Тариф (№)', plan: 'Тариф', reason: 'Причина',
      editor: 'Кто загрузил', total: 'Строк в файле', done: 'Обработано', granted: 'Выдано', problems: 'С ошибками',
      problem: 'Ошибка', updated_at: 'Изменён',
    },
  },
  {
    view: 'billing_seat_packs', title: 'Места организаций',
    description: 'Строка: пакет мест, купленный организацией: сколько мест, сколько занято и свободно, в силе ли он.',
    columns: {
      pack_row: 'Пакет (строка)', organisation: 'Организация', plan_id: 'Тариф (№)', plan: 'Тариф', product: 'Продукт',
      kind: 'Вид', seats: 'Мест', taken: 'Занято', free: 'Свободно', starts_on: 'С', ends_on: 'По', reason: 'Причина',
      note: 'Заметка', state: 'Состояние', updated_at: 'Изменён',
    },
  },
  {
    view: 'billing_seat_assignments', title: 'Места организаций: кому выданы',
    description: 'Строка: место из пакета организации, выданное человеку, и его подписка. Чтобы видеть, кто занимает места.',
    columns: {
      assignment_row: 'Назначение (строка)', pack_row: 'Пакет (строка)', organisation: 'Организация', ...person,
      outcome: 'Итог', holds: 'Занимает место', freed_reason: 'Почему освобождено', subscription_id: 'Подписка №',
      status: 'Статус подписки', starts_on: 'С', ends_on: 'По', updated_at: 'Изменён',
    },
  },
  {
    view: 'billing_notices', title: 'Письма об оплате',
    description: 'Строка: напоминание или благодарность об оплате человеку (Telegram или e-mail) и отправлено ли оно.',
    columns: {
      id: 'Письмо №', kind: 'Вид', ...person, order_id: 'Заказ (id)', subscription_id: 'Подписка №', ends_on: 'Подписка до',
      days_before: 'За дней', status: 'Статус', channel: 'Канал', attempts: 'Попыток', last_error: 'Последняя ошибка',
      created_at: 'Создано', sent_at: 'Отправлено',
    },
  },
  {
    view: 'points_days', title: 'Баллы: по дням',
    description: 'Строка: человек, день и вид действия: сколько действий, символов, секунд и баллов. Чтобы разобрать, откуда баллы.',
    columns: {
      person_id: person.person_id, display_name: 'Имя', day: 'День', kind: 'Вид действия', actions: 'Действий',
      characters: 'Символов', seconds: 'Секунд', points: 'Баллы', ambassador_points: 'Баллы амбассадора',
    },
  },
  {
    view: 'points_statement', title: 'Баллы: выписка',
    description: 'Строка: одна запись в книге баллов (начисление или сторно) с остатком после неё. Для ответа на спорные вопросы о баллах.',
    columns: {
      line_id: 'Запись №', person_id: person.person_id, display_name: 'Имя', booked_at: 'Записано', day: 'День',
      kind: 'Вид действия', role: 'Роль', rule_id: 'Правило №', rule_version: 'Версия правила', points: 'Баллы',
      balance: 'Остаток', actions: 'Действий', characters: 'Символов', seconds: 'Секунд', note: 'Заметка',
      reverses_line: 'Сторнирует запись №', event_key: 'Событие (ключ)',
    },
  },
  {
    view: 'points_streaks', title: 'Баллы: серии дней',
    description: 'Строка: человек с текущей и самой длинной серией активных дней подряд. Для наград за регулярность.',
    columns: {
      person_id: person.person_id, display_name: 'Имя', current_streak: 'Серия сейчас (дней)',
      longest_streak: 'Самая длинная серия (дней)', last_active_day: 'Последний активный день', active_days: 'Активных дней',
    },
  },
  {
    view: 'points_group_totals', title: 'Баллы: итоги по группам',
    description: 'Строка: человек в учебной группе с его баллами и местом внутри группы. Для рейтингов групп.',
    columns: {
      group_id: 'Группа', rank: 'Место в группе', person_id: person.person_id, display_name: 'Имя', points: 'Баллы',
      characters: 'Символов написано', points_this_week: 'Баллы за неделю', points_this_month: 'Баллы за месяц',
    },
  },
  {
    view: 'points_parked', title: 'Баллы: отложенные события',
    description: 'Строка: действие, которое пока нельзя засчитать никому (аккаунт ещё не связан с человеком). Засчитается, когда связь появится.',
    columns: {
      key: 'Ключ', refs: 'Аккаунты', event: 'Событие', inbox_event_id: 'Входящее событие №', parked_at: 'Отложено',
      resolved_at: 'Засчитано', person_id: person.person_id,
    },
  },
  {
    view: 'points_alias_pending', title: 'Баллы: аккаунты без человека',
    description: 'Строка: внешний аккаунт (например, пользователь клуба), который ждёт регистрации своего человека.',
    columns: { ref: 'Чей (ссылка)', alias: 'Аккаунт', created_at: 'С' },
  },
  {
    view: 'identity_pending_links', title: 'Связи аккаунтов: ждут подтверждения',
    description: 'Строка: e-mail, Telegram или имя в клубе, которое человек назвал своим, но это ещё не подтверждено. Чтобы помочь тем, у кого не засчитываются баллы.',
    columns: {
      identity_id: 'Человек (id в Ory)', display_name: 'Имя', kind: 'Что связываем', value: 'Значение',
      waiting_for: 'Чего ждём', linked_to_another_person: 'Уже у другого человека', claimed_in: 'Где указано',
      since: 'С', checked_at: 'Проверено',
    },
  },
  {
    view: 'telegram_access_members', title: 'Telegram: участники чатов',
    description: 'Строка: участник платного чата, его человек и положен ли ему доступ. Чтобы видеть, кто в чате без подписки.',
    columns: {
      chat_id: 'Чат (id)', telegram_user_id: 'Пользователь Telegram (id)', ...person, status: 'Статус', in_chat: 'В чате',
      joined_at: 'Вошёл', changed_at: 'Изменено', entitled: 'Доступ положен',
    },
  },
  {
    view: 'telegram_access_removals', title: 'Telegram: удаления из чатов',
    description: 'Строка: участник в проходе удаления (пробном или настоящем): решение, причина и итог. Проверьте пробный проход перед настоящим.',
    columns: {
      run_id: 'Проход №', listed_at: 'Составлен', mode: 'Режим', chat_id: 'Чат (id)', telegram_user_id: 'Пользователь Telegram (id)',
      ...person, decision: 'Решение', reason: 'Причина', removable_from: 'Удалять не раньше', outcome: 'Итог', done_at: 'Выполнено',
    },
  },
  {
    view: 'telegram_access_invites', title: 'Telegram: приглашения',
    description: 'Строка: личная ссылка-приглашение в чат для человека, с её сроком и использованием.',
    columns: {
      chat_id: 'Чат (id)', ...person, name: 'Название ссылки', expires_at: 'Действует до', created_at: 'Создана',
      used_at: 'Использована', revoked_at: 'Отозвана',
    },
  },
  {
    view: 'telegram_access_join_requests', title: 'Telegram: заявки на вступление',
    description: 'Строка: заявка на вступление в чат и ответ на неё (принята или отклонена и почему).',
    columns: {
      chat_id: 'Чат (id)', telegram_user_id: 'Пользователь Telegram (id)', requested_at: 'Подана', ...person,
      decision: 'Решение', reason: 'Причина', answered_at: 'Отвечено',
    },
  },
  {
    view: 'autopost_deliveries', title: 'Автопосты: доставка',
    description: 'Строка: автопост в одном чате: отправлен ли, когда и с какой ошибкой. Чтобы проверить рассылку.',
    columns: {
      id: 'Доставка №', post_id: 'Пост №', post: 'Пост', chat: 'Чат', target: 'Кому', status: 'Статус',
      message_id: 'Сообщение (id)', error: 'Ошибка', attempts: 'Попыток', attempted_at: 'Последняя попытка',
      sent_at: 'Отправлен', text: 'Текст',
    },
  },
  {
    view: 'ai_budget_ledger', title: 'Проверка ответов: расходы на ИИ',
    description: 'Строка: списание или пополнение месячного бюджета на ИИ-проверки. Чтобы видеть, сколько потрачено.',
    columns: {
      id: 'Запись №', month: 'Месяц', check_id: 'Проверка ИИ №', entry_key: 'Ключ', kind: 'Вид',
      amount_micros: 'Сумма (миллионные доли доллара)', created_at: 'Записано',
    },
  },
  {
    view: 'inbox_event', title: 'Технические: входящие события',
    description: 'Строка: событие, принятое от внешней системы (клуб, Kratos, NocoDB, платежи) как есть. Для разбора сбоев.',
    columns: {
      id: 'Событие №', source: 'Откуда', delivery_id: 'Доставка (id)', topic: 'Тема', payload: 'Содержимое', received_at: 'Получено',
    },
  },
  {
    view: 'inbox_invalid', title: 'Технические: неверные события',
    description: 'Строка: событие, которое обработчик не принял (неверные данные), с полем и тем, что в нём не так. Для разбора сбоев.',
    columns: {
      event_id: 'Событие №', source: 'Откуда', topic: 'Тема', consumer: 'Обработчик', delivery_id: 'Доставка (id)',
      issues: 'Что не так', received_at: 'Получено', marked_at: 'Отмечено', payload: 'Содержимое',
    },
  },
  {
    view: 'ai_dead_letter', title: 'Технические: несработавшие задачи ИИ',
    description: 'Строка: задача проверки ответов, которая не удалась после всех попыток (мёртвое событие), и её ошибка. Для разбора сбоев.',
    columns: {
      id: 'Задача №', kind: 'Вид', ref_id: 'К чему (№)', error: 'Ошибка', attempts: 'Попыток', created_at: 'Создана',
      replayed_at: 'Повторена', replayed_by: 'Кем повторена',
    },
  },
];
