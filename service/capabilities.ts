import type { Logger } from 'pino';
import type pg from 'pg';
import { register as registerAiCheck } from '../extensions/ai-check/index.ts';
import { createNocodbAnswerStore } from '../extensions/ai-check/nocodb-store.ts';
import { settingsFromEnv } from '../extensions/ai-check/settings.ts';
import { createSmtpMailer } from '../extensions/ai-check/smtp-mailer.ts';
import { parseCsv, peopleDirectory, register as registerIdentity, type IdentityCapability } from '../extensions/identity/index.ts';
import { createPostHog, register as registerPoints } from '../extensions/points/index.ts';
import { register as registerWorkbooks } from '../extensions/workbooks/index.ts';
import { register as registerAccount } from '../extensions/account/index.ts';
import { contactOf, register as registerBilling, telegramStarsProvider, yookassaClient, yookassaProvider, type BillingCapability } from '../extensions/billing/index.ts';
import { ketoPrivileges, register as registerTelegramAccess, type TelegramAccessCapability } from '../extensions/telegram-access/index.ts';
import { register as registerAutoposts, type AutopostsCapability } from '../extensions/autoposts/index.ts';
import { createBotApi } from '../kernel/telegram-bot.ts';
import { nocoLinks } from '../nocodb/links.ts';
import { nocoFiles, tableIdOf, type NocoApi, type NocoRows, type TableIds } from '../nocodb/client.ts';
import type { Ory } from '../ory/client.ts';
import { cachedOry } from '../ory/cache.ts';
import type { Capability } from '../kernel/capability.ts';
import { stripeSettings, type Config } from './config.ts';
import { objectGuard } from './guard.ts';
import { requireSession } from '../ory/guard.ts';


export interface CapabilityDeps {
  config: Config;
  db: pg.Pool;
  log: Logger;
  ory: Ory;
  nocodb: NocoRows;
  /** NocoDB calls beyond rows (links, shared views), and where people open NocoDB. */
  noco: { api: NocoApi; ids: TableIds; url: string; token: string; publicUrl: string };
  clock: () => Date;
}

export interface Capabilities {
  all: Capability[];
  identity: IdentityCapability;
  billing: BillingCapability;
  telegramAccess: TelegramAccessCapability;
  autoposts: AutopostsCapability;
}

/** The capabilities the service runs, each from its folder's index.ts, with what it needs. */
export function loadCapabilities(deps: CapabilityDeps): Capabilities {
  const { config, db, log, nocodb, clock } = deps;
  // Every guarded request asks Kratos and Keto: their answers are kept for ORY_CACHE_SECONDS
  // (ory/cache.ts), and forgotten at once when this service writes tuples.
  const ory = cachedOry(deps.ory, { sessionTtlMs: config.ORY_CACHE_SECONDS * 1000, checkTtlMs: config.ORY_CACHE_SECONDS * 1000 });
  const guard = objectGuard(ory);
  const publicUrl = (config.PUBLIC_URL ?? `http://127.0.0.1:${config.PORT}`).replace(/\/+$/, '');
  const identity = registerIdentity({
    db, log, ory, nocodb, clock, noco: { api: deps.noco.api, ids: deps.noco.ids, publicUrl: deps.noco.publicUrl },
    workbookPageUrl: (id) => `${publicUrl}/workbooks/${id}`,
    ...(config.AI_CHECK_REVIEW_GROUP ? { staffReviewGroup: config.AI_CHECK_REVIEW_GROUP } : {}),
  });
  const workbooks = registerWorkbooks({
    nocodb, db, clock, guard, signedIn: requireSession(ory), publicUrl,
    signInUrl: (returnTo) => ory.selfService.browserUrl('login', returnTo),
  });
  const points = registerPoints({
    db, log, clock, guard, signedIn: requireSession(ory), defaultTimeZone: config.SCHOOL_TIME_ZONE,
    signInUrl: (path) => ory.selfService.browserUrl('login', `${publicUrl}${path}`),
    posthog: createPostHog({ apiKey: config.POSTHOG_KEY, host: config.POSTHOG_HOST }),
    // An e-mail verified after registration fires no hook: its waiting claims are looked up in Kratos.
    identities: ory.identities,
  });
  const tableId = (key: string) => tableIdOf(deps.noco.ids, key);
  const aiCheck = registerAiCheck({
    db, log, clock,
    config: settingsFromEnv({ ...config, PUBLIC_URL: publicUrl, dataDir: config.dataDir }),
    answers: createNocodbAnswerStore({ baseUrl: deps.noco.url, token: deps.noco.token, tables: { answers: tableId('answers'), exercises: tableId('exercises'), guides: tableId('guides') }, names: deps.noco.ids.names }),
    people: peopleDirectory({ nocodb, ory }),
    notifier: {
      telegram: config.TELEGRAM_BOT_TOKEN ? { apiUrl: config.TELEGRAM_API_URL, botToken: config.TELEGRAM_BOT_TOKEN } : null,
      mailer: config.SMTP_URL ? createSmtpMailer({ url: config.SMTP_URL, from: config.MAIL_FROM }) : null,
    },
    auth: {
      guard,
      resolveIdentity: async (token) => (await ory.whoami({ token }))?.identity?.id ?? null,
      can: (identityId, relation, object) => {
        const at = object.indexOf(':');
        return ory.keto.check({ namespace: object.slice(0, at), object: object.slice(at + 1), relation, subject: identityId });
      },
      staffObject: 'Role:staff',
    },
    workbooks: (identityId) => workbooks.studentWorkbooks(identityId),
    mcpAuthorizationServers: config.MCP_AUTHORIZATION_SERVERS,
    pages: {
      signedIn: requireSession(ory), publicUrl,
      signInUrl: (returnTo) => ory.selfService.browserUrl('login', returnTo),
      // Groups one mentors directly, and the staff queue when one is staff (a subject-set grant).
      groupsMentoredBy: async (identityId) => {
        const own = (await ory.keto.list({ namespace: 'Group', relation: 'mentors', subject_id: identityId, pageSize: 100 })).tuples.map((t) => t.object);
        const queue = config.AI_CHECK_REVIEW_GROUP ?? 'reviewers';
        const staff = await ory.keto.check({ namespace: 'Group', object: queue, relation: 'review', subject: identityId });
        return staff && !own.includes(queue) ? [...own, queue] : own;
      },
    },
  });
  const account = registerAccount({
    ory, publicUrl, clock, log,
    // Kratos sends a person who verified their address to `/`: their verified e-mail links there.
    onStart: points.links.fromSession,
    // A Telegram account links by the Login Widget's signature (issue 12). The widget on
    // /account/telegram shows the widget with the bot's user name (TELEGRAM_BOT_USERNAME; its domain set with BotFather's /setdomain).
    ...(config.TELEGRAM_BOT_TOKEN ? { telegram: {
      botToken: config.TELEGRAM_BOT_TOKEN, link: points.links.telegram, of: points.links.of,
      ...(config.TELEGRAM_BOT_USERNAME ? { botUsername: config.TELEGRAM_BOT_USERNAME } : {}),
    } } : {}),
  });
  const yookassa = config.YOOKASSA_SHOP_ID && config.YOOKASSA_SECRET_KEY
    ? yookassaClient({ shopId: config.YOOKASSA_SHOP_ID, secretKey: config.YOOKASSA_SECRET_KEY, apiUrl: config.YOOKASSA_API_URL, timeoutMs: config.YOOKASSA_TIMEOUT_MS })
    : null;
  const schoolBot = config.TELEGRAM_BOT_TOKEN ? createBotApi({ apiUrl: config.TELEGRAM_API_URL, botToken: config.TELEGRAM_BOT_TOKEN }) : null;
  const billing = registerBilling({
    db, log, clock, guard, nocodb, links: nocoLinks(deps.noco.api, deps.noco.ids), timeZone: config.SCHOOL_TIME_ZONE, signedIn: requireSession(ory),
    signInUrl: (path) => ory.selfService.browserUrl('login', `${publicUrl}${path}`), publicUrl,
    // A teacher's file of students (Grant files): its file from NocoDB, its people through identity's import.
    files: nocoFiles(deps.noco.url, deps.noco.token),
    people: { parseCsv, importCsv: (csv) => identity.importStudents(csv) },
    ...(config.MONETA_ACCOUNT_ID && config.MONETA_INTEGRITY_CODE ? { moneta: {
      accountId: config.MONETA_ACCOUNT_ID, integrityCode: config.MONETA_INTEGRITY_CODE, testMode: config.MONETA_TEST_MODE, formUrl: config.MONETA_FORM_URL,
    } } : {}),
    ...(stripeSettings(config).account ? { stripe: stripeSettings(config).account } : {}),
    // After Moneta and Stripe (billing's own): YooKassa for roubles, and the bot's Telegram Stars (XTR) when it has a token (README, "Selling through the bot").
    providers: [...(yookassa ? [yookassaProvider(yookassa, { clock })] : []), ...(schoolBot ? [telegramStarsProvider({ bot: schoolBot, db })] : [])],
    ...(yookassa ? { yookassaClient: yookassa } : {}),
    ...(schoolBot ? { telegram: { bot: schoolBot, personOf: points.links.personOfTelegram, linkUrl: `${publicUrl}/account/telegram` } } : {}),
    // What next after paying, and reminders before the end: Telegram when linked by proof, else the verified e-mail.
    notices: {
      telegram: config.TELEGRAM_BOT_TOKEN ? { apiUrl: config.TELEGRAM_API_URL, botToken: config.TELEGRAM_BOT_TOKEN } : null,
      mailer: config.SMTP_URL ? createSmtpMailer({ url: config.SMTP_URL, from: config.MAIL_FROM }) : null,
      contactOf: contactOf({ identities: ory.identities, linksOf: points.links.of }),
    },
    reminderDays: config.BILLING_REMINDER_DAYS,
    // The payer's invite links to the product's chats (Telegram access, registered below):
    // its invites are made first, so a message right after the payment carries them.
    inviteLinks: async (personId, productId) => {
      const links = await telegramAccess.invitesNow(personId, productId).catch(() => telegramAccess.inviteLinksFor(personId, productId));
      return links.map((l) => ({ title: l.title ?? 'Telegram', url: l.inviteLink }));
    },
  });
  // The school's chats: payers in, non-payers out (issue 14); without a bot token it does nothing and says so.
  const telegramAccess = registerTelegramAccess({
    db, log, clock, nocodb, links: nocoLinks(deps.noco.api, deps.noco.ids), timeZone: config.SCHOOL_TIME_ZONE,
    bot: schoolBot,
    // Keto as written by identity: staff and admins from Kratos' admin metadata, mentors from NocoDB's Mentors.
    privileges: ketoPrivileges(deps.ory.keto),
    signedIn: requireSession(ory), signInUrl: (path) => ory.selfService.browserUrl('login', `${publicUrl}${path}`),
    graceDays: config.TELEGRAM_REMOVAL_GRACE_DAYS, removals: config.TELEGRAM_REMOVALS, inviteDays: config.TELEGRAM_INVITE_DAYS,
  });
  // Templated posts to Telegram groups (issue 14 §5); without a bot token it does nothing and says so.
  const autoposts = registerAutoposts({
    db, log, clock, nocodb, links: nocoLinks(deps.noco.api, deps.noco.ids), timeZone: config.SCHOOL_TIME_ZONE,
    bot: schoolBot,
  });
  return { all: [identity, points, aiCheck, workbooks, account, billing, telegramAccess, autoposts], identity, billing, telegramAccess, autoposts };
}
