/**
 * Every inbox topic, declared once with the schema its payload has in the inbox (what the
 * receiver stored). Consumers name the topics they take from this table; the worker checks
 * each payload against its topic's schema before a consumer sees it, and a payload that
 * does not match becomes a job with status `invalid` (never retried, shown to staff in the
 * NocoDB grid inbox_invalid). `npm run topics` prints who consumes what.
 */
import { z } from 'zod';
import { answersPayload } from './events/answers.ts';
import { collectorKinds } from './events/collector.ts';
import { discourseBodyFor } from './events/discourse.ts';
import { nocodbRowPayload } from './events/identity.ts';
import { kratosWebhook } from './events/kratos.ts';
import { nocodbWebhook } from './events/nocodb.ts';
import { collectorBatchPayload, collectorPayload, telegramNotePayload } from './events/points.ts';
import { buyCommand, chatJoinRequest, chatMemberUpdated, preCheckoutQuery, successfulPaymentMessage, telegramUpdate } from './events/telegram.ts';
import { monetaNotification } from './events/moneta.ts';
import { stripeConsumedEvent, stripeEvent } from './events/stripe.ts';
import { yookassaNotification } from './events/yookassa.ts';
import { schoolTables } from './nocodb/index.ts';

export interface Topic {
  name: string;
  /** Who sends it, through which receiver. */
  sender: string;
  schema: z.ZodType;
}

export type TopicRegistry = ReadonlyMap<string, Topic>;

const defineTopic = (name: string, sender: string, schema: z.ZodType): Topic => ({ name, sender, schema });

const DISCOURSE_EVENTS: [string, string][] = [
  ['post_created', 'post'], ['post_edited', 'post'], ['post_destroyed', 'post'], ['post_recovered', 'post'],
  ['topic_created', 'topic'], ['topic_edited', 'topic'], ['topic_destroyed', 'topic'], ['topic_recovered', 'topic'],
  ['user_created', 'user'], ['user_updated', 'user'],
  // Stored for the record, consumed by nobody today (`npm run topics` shows it): likes, a
  // solution accepted (the discourse-solved plugin), a club account deleted (its posts come
  // as post_destroyed first). A consumer that wants them names them.
  ['post_liked', 'like'], ['accepted_solution', 'solved'], ['user_destroyed', 'user'],
];
const NOCODB_OPERATIONS = ['insert', 'update', 'delete'] as const;
/** Row changes with a payload declared beyond the generic row; the others are checked as any NocoDB row. */
const NOCODB_ROW_PAYLOADS: Partial<Record<string, z.ZodType>> = {
  'nocodb.answers.insert': answersPayload,
  'nocodb.answers.update': answersPayload,
};
const nocodbTopic = (name: string, sender: string) => defineTopic(name, sender, NOCODB_ROW_PAYLOADS[name] ?? nocodbRowPayload);

export const TOPICS: readonly Topic[] = [
  ...DISCOURSE_EVENTS.map(([event, type]) => defineTopic(`discourse.${event}`, 'Discourse webhook (hooks/discourse.ts)', discourseBodyFor(type))),
  defineTopic('kratos.registration', 'Kratos after-registration web hook (hooks/kratos.ts)', kratosWebhook),
  defineTopic('kratos.settings', 'Kratos after-settings web hook (hooks/kratos.ts)', kratosWebhook),
  ...schoolTables.flatMap((t) => NOCODB_OPERATIONS.map((op) =>
    nocodbTopic(`nocodb.${t.key}.${op}`, 'NocoDB webhook and sweep (hooks/nocodb.ts, hooks/nocodb-sweep.ts)'))),
  defineTopic('nocodb.unknown', 'NocoDB webhook of a table schemas/ does not declare (hooks/nocodb.ts)', nocodbWebhook),
  ...collectorKinds.map((k) => defineTopic(`collector.${k}`, 'collector endpoint (hooks/collector.ts)', collectorPayload)),
  defineTopic('collector.batch', 'collector batch endpoint (hooks/collector.ts)', collectorBatchPayload),
  defineTopic('telegram.note', 'Telegram bot webhook: a text message (hooks/telegram.ts)', telegramNotePayload),
  // The bot's payments and its groups' members, by kind (hooks/telegram.ts routes them).
  defineTopic('telegram.pre_checkout_query', 'Telegram bot webhook: a payer about to pay; answered within 10 s (hooks/telegram.ts)', preCheckoutQuery),
  defineTopic('telegram.successful_payment', 'Telegram bot webhook: a message with successful_payment (hooks/telegram.ts)', successfulPaymentMessage),
  defineTopic('telegram.buy_command', 'Telegram bot webhook: /buy, /buy_<plan> or /start buy_<plan> in a person\'s private chat (hooks/telegram.ts)', buyCommand),
  defineTopic('telegram.chat_member', 'Telegram bot webhook: a member of a chat the bot administers changed (hooks/telegram.ts)', chatMemberUpdated),
  defineTopic('telegram.my_chat_member', 'Telegram bot webhook: the bot\'s own membership in a chat changed (hooks/telegram.ts)', chatMemberUpdated),
  defineTopic('telegram.chat_join_request', 'Telegram bot webhook: someone asks to join a chat (hooks/telegram.ts)', chatJoinRequest),
  // Everything else of the bot that is not a person's own note: group messages, commands,
  // forwards. Kept for the record, consumed by nobody.
  defineTopic('telegram.update', 'Telegram bot webhook: any other update (hooks/telegram.ts)', telegramUpdate),
  defineTopic('moneta.payment', 'Moneta Pay URL notification, signature checked (hooks/moneta.ts)', monetaNotification),
  // Stripe's events by their id: those billing acts on, and the rest kept for the record.
  defineTopic('stripe.event', 'Stripe webhook: a Checkout Session or refund event billing acts on, signature checked (hooks/stripe.ts)', stripeConsumedEvent),
  defineTopic('stripe.other', 'Stripe webhook: any other event type, signature checked, consumed by nobody (hooks/stripe.ts)', stripeEvent),
  defineTopic('yookassa.notification', 'YooKassa HTTP notification from its networks, unsigned: only the object id is believed (hooks/yookassa.ts)', yookassaNotification),
];

export function topicRegistry(topics: readonly Topic[] = TOPICS): TopicRegistry {
  const map = new Map<string, Topic>();
  for (const t of topics) {
    if (map.has(t.name)) throw new Error(`topic ${t.name} is declared twice`);
    map.set(t.name, t);
  }
  return map;
}

export { defineTopic };
