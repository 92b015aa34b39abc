import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Capability } from '../../kernel/capability.ts';
import type { Clock } from '../../kernel/clock.ts';
import type { Lang } from '../../kernel/lang.ts';
import { startLoop, withExclusiveLock, type Loop } from '../../kernel/loop.ts';
import type { BotApi } from '../../kernel/telegram-bot.ts';
import type { NocoRows } from '../../nocodb/client.ts';
import type { NocoLinks } from '../../nocodb/links.ts';
import { autopostsConsumer } from './consumer.ts';
import { expandDue } from './expand.ts';
import { TELEGRAM_LIMITS, type RateLimits } from './limiter.ts';
import { pollAutoposts, writeStatuses } from './nocodb-sync.ts';
import { finishPosts } from './posts-store.ts';
import { sendDue, type SendReport } from './sender.ts';

/**
 * Autoposts (issue 14 §5): staff's templated posts to Telegram groups, each sent once per
 * chat. The only file other folders import.
 *
 * Staff keep Post templates and Autoposts in NocoDB (schemas/nocodb/autoposts.ts); the
 * consumer mirrors their edits (webhook and sweep), and each round of the loop (once across
 * instances) polls NocoDB every `pollMs` as well, expands due posts into one
 * autopost_delivery row per chat (expand.ts, plan.ts: the text rendered per chat then),
 * sends them within Telegram's limits (sender.ts, limiter.ts), and writes each post's
 * Status back (nocodb-sync.ts).
 *
 * Sent but not recorded: a row is committed `sending` before its request leaves and `sent`
 * after. Telegram's sendMessage has no idempotency key and a bot cannot read a group's
 * history, so when the answer is lost (the process killed, a timeout) nobody can tell
 * whether the post arrived. Chosen: at most once. Such a row becomes `unknown`, is never
 * sent again, and staff see it in the Status and in autopost_deliveries (a second copy in a
 * group of a hundred people was judged worse than one group told by hand).
 */
export interface AutopostsDeps {
  db: Pool;
  log: Logger;
  clock: Clock;
  nocodb: NocoRows;
  links: NocoLinks;
  /** Without a bot (no TELEGRAM_BOT_TOKEN) the capability does nothing and says so at start. */
  bot: BotApi | null;
  /** The school's zone: Status shows SendAt in it, {{date}} is its day. */
  timeZone: string;
  /** The language of Status for staff. Default ru. */
  lang?: Lang;
  /** How often a round runs. Default 2 s. */
  intervalMs?: number;
  /** How often a round reads every Autoposts row from NocoDB. Default 60 s. */
  pollMs?: number;
  limits?: RateLimits;
  /** Waits in the clock's time (tests run a faster clock). */
  sleep?: (ms: number) => Promise<void>;
  /** A post found due later than this is not sent. Default 24 h. */
  maxLateMs?: number;
  maxAttempts?: number;
  backoffMs?: number;
  /** How long a row handed to Telegram may wait for its answer before it counts as lost. Default 120 s. */
  leaseMs?: number;
}

export interface RoundReport extends SendReport {
  polled: boolean;
  /** More posts were due than one round expands. */
  more: boolean;
}

export interface AutopostsCapability extends Capability {
  readonly enabled: boolean;
  /** One round now, under the same lock as the loop's (tests, scripts); null without a bot. */
  runNow(opts?: { poll?: boolean }): Promise<RoundReport | null>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const LOOP = 'autoposts';

export function register(deps: AutopostsDeps): AutopostsCapability {
  const log = deps.log.child({ capability: 'autoposts' });
  const lang = deps.lang ?? 'ru';
  const pollMs = deps.pollMs ?? 60_000;
  let lastPoll = -Infinity;
  let stopping = false;
  let loop: Loop | undefined;

  async function round(bot: BotApi, forcePoll = false): Promise<RoundReport> {
    const now = deps.clock();
    let polled = false;
    if (forcePoll || now.getTime() - lastPoll >= pollMs) {
      try {
        await pollAutoposts({ db: deps.db, nocodb: deps.nocodb, log });
        lastPoll = now.getTime();
        polled = true;
      } catch (e) {
        log.warn({ component: 'autoposts', err: (e as Error).message }, 'Autoposts not read from NocoDB this round');
      }
    }
    const more = await expandDue({ db: deps.db, log, nocodb: deps.nocodb, links: deps.links, timeZone: deps.timeZone, lang, maxLateMs: deps.maxLateMs ?? 24 * 3_600_000 }, deps.clock());
    const report = await sendDue({
      db: deps.db, log, clock: deps.clock, bot, limits: deps.limits ?? TELEGRAM_LIMITS, sleep: deps.sleep ?? realSleep,
      stopping: () => stopping, leaseMs: deps.leaseMs ?? 120_000, maxAttempts: deps.maxAttempts ?? 5, backoffMs: deps.backoffMs ?? 5_000,
    });
    await finishPosts(deps.db, deps.clock());
    await writeStatuses({ db: deps.db, nocodb: deps.nocodb, timeZone: deps.timeZone, lang, now: deps.clock() })
      .catch((e: Error) => log.warn({ component: 'autoposts', err: e.message }, 'Status not written to NocoDB this round; trying again'));
    return { ...report, polled, more };
  }

  return {
    name: 'autoposts',
    enabled: deps.bot !== null,
    consumers: deps.bot ? [autopostsConsumer()] : [],
    async runNow(opts = {}) {
      const bot = deps.bot;
      if (!bot) return null;
      for (;;) {
        const r = await withExclusiveLock(deps.db, LOOP, () => round(bot, opts.poll ?? false));
        if (r) return r;
        await realSleep(100);
      }
    },
    async start() {
      const bot = deps.bot;
      if (!bot) {
        log.warn({ component: 'autoposts' }, 'TELEGRAM_BOT_TOKEN is not set: autoposts are not sent (Autoposts rows wait in NocoDB)');
        return;
      }
      stopping = false;
      loop = await startLoop({ name: LOOP, log, intervalMs: deps.intervalMs ?? 2_000, exclusive: deps.db, run: async () => (await round(bot)).more });
    },
    async stop() {
      stopping = true;
      await loop?.stop();
      loop = undefined;
    },
  };
}
