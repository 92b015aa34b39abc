import type { Consumer } from '../../kernel/capability.ts';
import { InvalidPayload, isAppError } from '../../kernel/errors.ts';
import { pickLang, type Lang } from '../../kernel/lang.ts';
import { botResults, type BotApi } from '../../kernel/telegram-bot.ts';
import { issuesOf } from '../../kernel/validation.ts';
import { buyCommand, type BuyCommand } from '../../schemas/events/telegram.ts';
import { planById } from './catalog-store.ts';
import { catalog, checkout, type CheckoutDeps } from './checkout.ts';
import { localDay } from './days.ts';
import { telegramText } from './messages.ts';
import { STARS, starsInvoice } from './providers/telegram.ts';

/**
 * Buying in the school's bot (issue 14), the minimal real flow:
 *   /buy              the plans sold in Stars, each with its command /buy_<plan>
 *   /buy_<plan>       (or the deep link t.me/<bot>?start=buy_<plan>) checkout for the person
 *                     behind this Telegram account, then the invoice in their chat (sendInvoice)
 * Only a Telegram account verified-linked to a person (the Login Widget's proof, issue 12)
 * buys: anyone else is told where to link it. A repeated update is a duplicate in the inbox;
 * a job retried after a crash finds the order's open attempt (checkout answers it) and sends
 * its invoice again, which pays the same attempt, once.
 */
export interface TelegramShopDeps {
  bot: BotApi;
  /** The person whose verified link this Telegram user id is, or null. */
  personOf(telegramUserId: number): Promise<string | null>;
  /** Where a person links their Telegram account (/account/telegram). */
  linkUrl: string;
  checkout: CheckoutDeps;
}

export function telegramBuyConsumer(deps: TelegramShopDeps): Consumer {
  const say = (chatId: number, text: string) => deps.bot.call('sendMessage', { chat_id: chatId, text, link_preview_options: { is_disabled: true } }, botResults.message);
  return {
    name: 'billing.telegram_buy',
    topics: ['telegram.buy_command'],
    callsOut: true,
    async handle(event, { log }) {
      const parsed = buyCommand.safeParse(event.payload);
      if (!parsed.success) throw new InvalidPayload(issuesOf(parsed.error), 'Telegram buy command is not valid');
      const c = parsed.data;
      const lang = pickLang(undefined, undefined, c.language_code);
      const personId = await deps.personOf(c.telegram_user_id);
      if (!personId) {
        await say(c.chat_id, telegramText('linkFirst', lang, { url: deps.linkUrl }));
        return;
      }
      if (c.plan_id === undefined) {
        await say(c.chat_id, await catalogText(deps, lang));
        return;
      }
      await sendInvoice(deps, c, personId, lang, say, log);
    },
  };
}

async function catalogText(deps: TelegramShopDeps, lang: Lang): Promise<string> {
  const today = localDay(deps.checkout.clock(), deps.checkout.timeZone);
  const sold = (await catalog(deps.checkout.db, undefined, today)).filter((i) => i.currency === STARS);
  if (sold.length === 0) return telegramText('nothingForSale', lang, { url: deps.checkout.publicUrl });
  return [telegramText('catalog', lang), ...sold.map((i) => telegramText('catalogLine', lang, { title: `${i.product}, ${i.plan}`, stars: i.amountMinor, command: `/buy_${i.plan_id}` }))].join('\n');
}

async function sendInvoice(deps: TelegramShopDeps, c: BuyCommand, personId: string, lang: Lang, say: (chat: number, text: string) => Promise<unknown>, log: import('pino').Logger): Promise<void> {
  const plan = await planById(deps.checkout.db, c.plan_id!);
  if (!plan || plan.currency !== STARS) {
    await say(c.chat_id, telegramText('notSoldHere', lang));
    return;
  }
  let answer;
  try {
    answer = await checkout(deps.checkout, { personId, planId: plan.id, provider: 'telegram', locale: lang });
  } catch (e) {
    // The plan's state (archived, no price) or an attempt in flight: the person is told, the job is done.
    if (!isAppError(e)) throw e;
    log.info({ component: 'billing', plan: plan.id, code: e.code }, 'no invoice sent in Telegram');
    await say(c.chat_id, telegramText(e.code === 'PLAN_ARCHIVED' || e.code === 'PLAN_NOT_FOUND' || e.code === 'PRICE_NOT_SET' ? 'notSoldHere' : 'tryLater', lang));
    return;
  }
  const invoice = starsInvoice({ attemptId: answer.attemptId, title: plan.title, description: plan.title, amountStars: answer.amountMinor });
  await deps.bot.call('sendInvoice', { chat_id: c.chat_id, ...invoice }, botResults.message);
}
