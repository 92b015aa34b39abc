import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Capability } from '../../kernel/capability.ts';
import { isAppError, unauthorized, unavailable } from '../../kernel/errors.ts';
import { personLocale, pickLang } from '../../kernel/lang.ts';
import { startLoop, withExclusiveLock, type Loop } from '../../kernel/loop.ts';
import { messagePage } from '../../kernel/page.tsx';
import type { BotApi } from '../../kernel/telegram-bot.ts';
import type { NocoRows } from '../../nocodb/client.ts';
import type { NocoLinks } from '../../nocodb/links.ts';
import { inviteLinksOf, refreshGrants, takeEntitlementChanges, type InviteLink } from './access-store.ts';
import { chatBot } from './bot.ts';
import { chatsPage } from './chats-page.tsx';
import { resyncChats } from './chats-sync.ts';
import type { Privileges } from './exemptions.ts';
import { makeInvites } from './invites.ts';
import { joinRequestsConsumer } from './join-requests.ts';
import { membersConsumer } from './members.ts';
import { text } from './messages.ts';
import { dryRun, removeListed, type DryRun, type RemovalDeps } from './removals.ts';

/**
 * Telegram access (issue 14, item 4): payers are let into the school's chats, non-payers are
 * seen out, volunteers, staff and mentors are spared. The only file other folders import.
 *
 * Which chats open to whom is staff's, in NocoDB (Products.TelegramChat, Groups.TelegramChatId
 * with the group's plan; chats-sync.ts mirrors it each pass). Who holds what is billing's
 * (billing_entitlement; its outbox billing_entitlement_change read past our own cursor,
 * access-store.ts). Entitled people with a proven Telegram link get a single-use invite link
 * per chat (invites.ts); join requests are answered (join-requests.ts); members are tracked
 * from chat_member updates (members.ts). The removal pass (removals.ts) lists a dry run for
 * staff, then removes past the grace period when TELEGRAM_REMOVALS=on, each person checked
 * again right before; rules.ts says who is spared and why. Every Bot API call is in bot.ts.
 */
export interface TelegramAccessDeps {
  db: Pool;
  log: Logger;
  clock: () => Date;
  /** The Bot API client; without one (no TELEGRAM_BOT_TOKEN) the capability does nothing and says so at start. */
  bot: BotApi | null;
  nocodb: NocoRows;
  links: NocoLinks;
  /** Staff, admins and mentors as Keto knows them (exemptions.ts ketoPrivileges). */
  privileges: Privileges;
  signedIn: RequestHandler;
  signInUrl?: (returnPath: string) => string;
  timeZone: string;
  /** Days after access ends before a member is removed. */
  graceDays: number;
  /** 'dry-run': list only; 'on': also remove. */
  removals: 'dry-run' | 'on';
  /** Days an invite link works. */
  inviteDays: number;
  /** How often the pass runs (NocoDB read, full refresh, invites, removal pass). Default 60 s. */
  passIntervalMs?: number;
  /** How often billing's changes are looked at without a NOTIFY. Default 10 s. */
  syncIntervalMs?: number;
}

export interface TelegramAccessCapability extends Capability {
  /** The person's live invite links (for every chat, or the chats one product opens): the thank-you page and the "what next" message show them. */
  inviteLinksFor(personId: string, productId?: number): Promise<InviteLink[]>;
  /** Reads billing's changes and makes the invites due now (the loops do it on their own). */
  syncNow(): Promise<{ chats: number[]; invites: number }>;
  /**
   * Right after a payment: the chats read from NocoDB again, grants refreshed and the invites
   * due made now, then the person's live links (the what-next message carries them).
   */
  invitesNow(personId: string, productId?: number): Promise<InviteLink[]>;
  /** The whole pass now: NocoDB read again, grants refreshed, invites made, a dry run listed (and removals when on). */
  passNow(): Promise<{ dryRun: DryRun; removed?: { removed: number; kept: number; failed: number } }>;
  /** A dry run only (tests, staff scripts). */
  dryRunNow(): Promise<DryRun>;
  /** Removes a run's listed people past the grace period, whatever TELEGRAM_REMOVALS says (an approval by hand). */
  removeNow(runId: number): Promise<{ removed: number; kept: number; failed: number }>;
}

export type { InviteLink } from './access-store.ts';
export { ketoPrivileges, type Privileges } from './exemptions.ts';

/**
 * Invites and removal runs are made by one holder at a time across instances and callers (the
 * loops, passNow in a script): two makers at once would give a person two links.
 */
async function oneAtATime<T>(db: Pool, name: string, work: () => Promise<T>): Promise<T> {
  for (;;) {
    const r = await withExclusiveLock(db, name, async () => ({ value: await work() }));
    if (r) return r.value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const localDay = (d: Date, timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);

export function register(deps: TelegramAccessDeps): TelegramAccessCapability {
  const log = deps.log.child({ capability: 'telegram-access' });
  const bot = deps.bot ? chatBot(deps.bot) : null;
  const removal = (b: NonNullable<typeof bot>): RemovalDeps => ({
    db: deps.db, log, clock: deps.clock, bot: b, privileges: deps.privileges, graceDays: deps.graceDays, mode: deps.removals,
    today: () => localDay(deps.clock(), deps.timeZone),
  });
  const inviting = (b: NonNullable<typeof bot>) => ({ db: deps.db, bot: b, log, clock: deps.clock, inviteDays: deps.inviteDays });
  const needBot = () => {
    if (!bot) throw unavailable('TELEGRAM_ACCESS_NOT_CONFIGURED', 'the school\'s Telegram chats are not managed: TELEGRAM_BOT_TOKEN is not set');
    return bot;
  };

  const sync = async () => {
    const b = needBot();
    const changed = await takeEntitlementChanges(deps.db, deps.clock());
    const invites = changed.chats.length ? await oneAtATime(deps.db, 'telegram-access.invites', () => makeInvites(inviting(b), changed.chats)) : { made: 0, more: false };
    return { chats: changed.chats, invites: invites.made, more: changed.more || invites.more };
  };
  // Chats and volunteers read from NocoDB again, grants refreshed, the invites due made.
  const invite = async (b: NonNullable<typeof bot>) => {
    // NocoDB unreachable: the last mirror of chats and volunteers holds.
    await resyncChats({ db: deps.db, nocodb: deps.nocodb, links: deps.links, log })
      .catch((e: Error) => log.warn({ component: 'telegram-access', err: e.message }, 'chats and volunteers not read from NocoDB this round; the last ones read hold'));
    // A link proven, a group joined: nothing announces them, the full refresh sees them.
    await refreshGrants(deps.db, null, deps.clock());
    await oneAtATime(deps.db, 'telegram-access.invites', () => makeInvites(inviting(b)));
  };
  const invitesNow = async (personId: string, productId?: number) => {
    await invite(needBot());
    return inviteLinksOf(deps.db, personId, productId ?? null, deps.clock());
  };
  const pass = async () => {
    const b = needBot();
    await invite(b);
    return oneAtATime(deps.db, 'telegram-access.removals', async () => {
      const listed = await dryRun(removal(b));
      if (deps.removals !== 'on') return { dryRun: listed };
      return { dryRun: listed, removed: await removeListed(removal(b), listed.runId) };
    });
  };

  let syncLoop: Loop | undefined;
  let passLoop: Loop | undefined;
  return {
    name: 'telegram-access',
    consumers: bot ? [membersConsumer(), joinRequestsConsumer(bot)] : [],
    pages: (router) => {
      router.get('/chats', deps.signedIn, async (req: Request, res: Response) => {
        const personId = req.identity?.id;
        if (!personId) throw unauthorized('SESSION_REQUIRED', 'Sign in to continue');
        const lang = pickLang(req.query.lang, req.get('accept-language'), personLocale(req));
        const links = await inviteLinksOf(deps.db, personId, null, deps.clock());
        res.type('html').set('Cache-Control', 'private, no-store').send(chatsPage(links, lang, deps.timeZone));
      });
      const pageError: ErrorRequestHandler = (err, req, res, next) => {
        if (!isAppError(err) || err.status >= 500) return next(err);
        const lang = pickLang(req.query.lang, req.get('accept-language'), personLocale(req));
        res.status(err.status).type('html').send(messagePage(lang, text('title', lang), text('signInFirst', lang),
          { href: (deps.signInUrl ?? (() => '/auth/login'))(req.originalUrl), label: text('signIn', lang) }));
      };
      router.use('/chats', pageError);
    },
    inviteLinksFor: (personId, productId) => inviteLinksOf(deps.db, personId, productId ?? null, deps.clock()),
    syncNow: async () => { const r = await sync(); return { chats: r.chats, invites: r.invites }; },
    invitesNow,
    passNow: pass,
    dryRunNow: () => oneAtATime(deps.db, 'telegram-access.removals', () => dryRun(removal(needBot()))),
    removeNow: (runId) => oneAtATime(deps.db, 'telegram-access.removals', () => removeListed(removal(needBot()), runId)),
    async start() {
      if (!bot) {
        log.warn({ component: 'telegram-access' }, 'TELEGRAM_BOT_TOKEN is not set: nobody is invited to or removed from the school\'s Telegram chats');
        return;
      }
      log.info({ component: 'telegram-access', removals: deps.removals, graceDays: deps.graceDays }, deps.removals === 'on'
        ? 'Telegram chats: invites, join requests and removals past the grace period are on'
        : 'Telegram chats: invites and join requests are on; removals are a dry run only (TELEGRAM_REMOVALS=on removes)');
      syncLoop ??= await startLoop({
        name: 'telegram-access.sync', log, intervalMs: deps.syncIntervalMs ?? 10_000, exclusive: deps.db,
        listen: { db: deps.db, channel: 'billing_entitlements' },
        run: async () => (await sync()).more,
      });
      passLoop ??= await startLoop({
        name: 'telegram-access.pass', log, intervalMs: deps.passIntervalMs ?? 60_000, exclusive: deps.db,
        run: async () => { await pass(); },
      });
    },
    async stop() {
      await syncLoop?.stop();
      await passLoop?.stop();
      syncLoop = undefined;
      passLoop = undefined;
    },
  };
}
