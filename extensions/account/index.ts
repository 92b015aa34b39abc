import type { Request, Router } from 'express';
import type { Capability } from '../../kernel/capability.ts';
import type { Logger } from 'pino';
import { FLOW_KINDS, type FlowKind, type Identity, type Ory } from '../../ory/client.ts';
import { resolveSession } from '../../ory/guard.ts';
import { pickLang } from './messages.ts';
import { accountErrorPage, flowPage } from './flow-page.tsx';
import { telegramPages, telegramRoutes, type TelegramLinking } from './telegram.ts';

/**
 * Account pages (issue 10): sign-in, registration, profile and password, recovery and
 * verification, as Kratos' self-service UI (Kratos' `selfservice.flows.*.ui_url` point
 * here). Each page reads its flow from Kratos with the browser's cookies and renders it as a
 * form that posts to Kratos; with real Ory, Ory's own account pages can replace these by
 * configuration alone. `/` sends a signed-in person to their workbooks, others to sign in.
 * `/account/telegram` (and `POST /api/account/telegram`) links the person's Telegram
 * account by Telegram's signed login, never by an id typed into the profile (telegram.ts).
 */
export interface AccountDeps {
  ory: Pick<Ory, 'selfService' | 'whoami'>;
  publicUrl: string;
  /** Linking a Telegram account by its Login Widget proof; absent, its page says it is not set up. */
  telegram?: TelegramLinking;
  /** Default: the system clock (a Telegram login is good for a day). */
  clock?: () => Date;
  /**
   * A signed-in person lands on `/`, where Kratos sends them after they verified an address:
   * what their verified e-mail proves links now (points' fromSession), not at the next look.
   */
  onStart?: (identity: Identity) => Promise<unknown>;
  /** Where a failing onStart is reported (the person is sent on all the same). */
  log?: Pick<Logger, 'warn'>;
}

const isKind = (v: string): v is FlowKind => (FLOW_KINDS as readonly string[]).includes(v);
const langOf = (req: Request) => pickLang(req.query.lang, req.get('accept-language'));
/** Only our own pages are places to come back to. */
const returnTo = (req: Request, publicUrl: string): string | undefined => {
  const wanted = typeof req.query.return_to === 'string' ? req.query.return_to : '';
  return wanted.startsWith(`${publicUrl}/`) ? wanted : undefined;
};

export type { TelegramLinking } from './telegram.ts';

export function register(deps: AccountDeps): Capability {
  const telegram = { ory: deps.ory, publicUrl: deps.publicUrl, clock: deps.clock ?? (() => new Date()), telegram: deps.telegram };
  return {
    name: 'account',
    routes: (router: Router) => telegramRoutes(router, telegram),
    pages(router: Router) {
      telegramPages(router, telegram);
      router.get('/', async (req, res) => {
        const identity = await resolveSession(deps.ory, req).catch(() => null);
        if (identity && deps.onStart) {
          await deps.onStart(identity).catch((e: unknown) => deps.log?.warn({ component: 'account', identity: identity.id, err: (e as Error).message }, 'linking what the verified address proves failed; the loop tries again'));
        }
        res.redirect(303, identity ? '/workbooks' : '/auth/login');
      });
      router.get('/auth/logout', async (req, res) => {
        const url = await deps.ory.selfService.logoutUrl(req.get('cookie') || undefined, `${deps.publicUrl}/auth/login`);
        res.redirect(303, url ?? '/auth/login');
      });
      router.get('/auth/error', (req, res) => {
        res.status(200).type('html').send(accountErrorPage(langOf(req)));
      });
      router.get('/auth/:kind', async (req, res, next) => {
        const kind = String(req.params.kind);
        if (!isKind(kind)) return next();
        const id = typeof req.query.flow === 'string' ? req.query.flow : '';
        const flow = id ? await deps.ory.selfService.flow(kind, id, req.get('cookie') || undefined) : null;
        // No flow, or one that expired or is not this browser's: Kratos starts a new one and sends the browser back here.
        if (!flow) return res.redirect(303, deps.ory.selfService.browserUrl(kind, returnTo(req, deps.publicUrl)));
        res.type('html').send(flowPage(kind, flow, langOf(req)));
      });
    },
  };
}
