import type { Request, Router } from 'express';
import type { Capability } from '../../kernel/capability.ts';
import { FLOW_KINDS, type FlowKind, type Ory } from '../../ory/client.ts';
import { resolveSession } from '../../ory/guard.ts';
import { pickLang } from './messages.ts';
import { accountErrorPage, flowPage } from './flow-page.tsx';

/**
 * Account pages (issue 10): sign-in, registration, profile and password, recovery and
 * verification, as Kratos' self-service UI (Kratos' `selfservice.flows.*.ui_url` point
 * here). Each page reads its flow from Kratos with the browser's cookies and renders it as a
 * form that posts to Kratos; with real Ory, Ory's own account pages can replace these by
 * configuration alone. `/` sends a signed-in person to their workbooks, others to sign in.
 */
export interface AccountDeps {
  ory: Pick<Ory, 'selfService' | 'whoami'>;
  publicUrl: string;
}

const isKind = (v: string): v is FlowKind => (FLOW_KINDS as readonly string[]).includes(v);
const langOf = (req: Request) => pickLang(req.query.lang, req.get('accept-language'));
/** Only our own pages are places to come back to. */
const returnTo = (req: Request, publicUrl: string): string | undefined => {
  const wanted = typeof req.query.return_to === 'string' ? req.query.return_to : '';
  return wanted.startsWith(`${publicUrl}/`) ? wanted : undefined;
};

export function register(deps: AccountDeps): Capability {
  return {
    name: 'account',
    pages(router: Router) {
      router.get('/', async (req, res) => {
        const signedIn = await resolveSession(deps.ory, req).then(() => true, () => false);
        res.redirect(303, signedIn ? '/workbooks' : '/auth/login');
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
