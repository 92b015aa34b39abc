import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Router } from 'express';
import type { Pool } from 'pg';
import { z } from 'zod';
import { isAppError } from '../../kernel/errors.ts';
import { personLocale, pickLang } from '../../kernel/lang.ts';
import { parseOr400 } from '../../kernel/validation.ts';
import { assistantPage } from './assistant-page.tsx';
import { protectedResource } from './mcp.ts';
import { mintToken, revokeToken, tokensOf } from './mcp-tokens.ts';
import { ASSISTANT_PAGE } from './messages.ts';

/**
 * The student's own page for their assistant (/assistant: mint, see and revoke personal MCP
 * tokens), and the MCP endpoint's protected-resource metadata (RFC 9728) at
 * /.well-known/oauth-protected-resource[/api/ai-check/mcp], which the 401's WWW-Authenticate
 * names. Production sign-in through Ory's OAuth2 (Hydra or Ory Network) is named there by
 * MCP_AUTHORIZATION_SERVERS; without it, hosts use a personal token in a header.
 */
export interface AssistantPagesDeps {
  db: Pool;
  signedIn: RequestHandler;
  signInUrl: (returnTo: string) => string;
  publicUrl: string;
  mcpPath: string;
  authorizationServers: string[];
}

const mintForm = z.object({ name: z.string().trim().min(1).max(80), scope: z.enum(['read', 'check']) });

export function assistantPages(router: Router, deps: AssistantPagesDeps): void {
  const mcpUrl = `${deps.publicUrl}${deps.mcpPath}`;
  const langOf = (req: Request) => pickLang(req.query.lang, req.get('accept-language'), personLocale(req));
  const metadata = protectedResource({ resource: mcpUrl, documentation: `${deps.publicUrl}/assistant`, authorizationServers: deps.authorizationServers });
  for (const path of ['/.well-known/oauth-protected-resource', `/.well-known/oauth-protected-resource${deps.mcpPath}`]) {
    router.get(path, (_req, res) => { res.set('Cache-Control', 'public, max-age=3600').json(metadata); });
  }

  const page = async (req: Request, extra: { minted?: string; notice?: string; problem?: string } = {}) =>
    assistantPage({ lang: langOf(req), mcpUrl, tokens: await tokensOf(deps.db, req.identity!.id), ...extra });
  router.get('/assistant', deps.signedIn, async (req, res) => {
    res.type('html').send(await page(req, req.query.revoked === '1' ? { notice: ASSISTANT_PAGE.revokedNotice[langOf(req)] } : {}));
  });
  // The new token is shown in the answer to the POST itself, never in a URL or a cache.
  router.post('/assistant/tokens', deps.signedIn, express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    const form = parseOr400(mintForm, req.body, 'the form');
    const { token } = await mintToken(deps.db, req.identity!.id, form);
    res.status(201).set('Cache-Control', 'no-store').type('html').send(await page(req, { minted: token }));
  });
  router.post('/assistant/tokens/:id/revoke', deps.signedIn, async (req, res) => {
    await revokeToken(deps.db, req.identity!.id, String(req.params.id));
    res.redirect(303, `/assistant?lang=${langOf(req)}&revoked=1`);
  });
  const pageError: ErrorRequestHandler = (err, req, res, next) => {
    if (!isAppError(err) || err.status >= 500) return next(err);
    if (err.status === 401) return res.redirect(303, deps.signInUrl(`${deps.publicUrl}/assistant`));
    const lang = langOf(req);
    const problem = err.code === 'MCP_TOKEN_LIMIT' ? ASSISTANT_PAGE.limit[lang] : ASSISTANT_PAGE.invalid[lang];
    void page(req, { problem }).then((body) => res.status(err.status).type('html').send(body), next);
  };
  router.use('/assistant', pageError);
}
