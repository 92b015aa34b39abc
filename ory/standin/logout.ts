/**
 * Browser logout: `GET /self-service/logout/browser` (with the session cookie) answers a
 * logout URL and token; opening `GET /self-service/logout?token=` ends that session,
 * clears the cookie and sends the browser to `return_to` or the after-logout URL
 * (204 for a JSON request).
 */
import { Router } from 'express';
import { returnToOf, wantsJson } from './browser.ts';
import { OryError } from './ory-errors.ts';
import { requireSession, secureCookies, type SelfServiceDeps } from './self-service.ts';
import { clearSessionCookie } from './sessions.ts';

export function logoutRoutes(d: SelfServiceDeps): Router {
  const router = Router();

  router.get('/self-service/logout/browser', (req, res) => {
    const { session } = requireSession(d, req);
    const returnTo = returnToOf(req, d.urls);
    const token = d.sessions.logoutToken(session);
    const url = new URL(`${d.publicUrl()}/self-service/logout`);
    url.searchParams.set('token', token);
    if (returnTo) url.searchParams.set('return_to', returnTo);
    res.json({ logout_url: url.toString(), logout_token: token });
  });

  router.get('/self-service/logout', (req, res) => {
    const returnTo = returnToOf(req, d.urls);
    const session = d.sessions.byLogoutToken(req.query.token);
    if (!session) {
      throw new OryError(401, { reason: 'Unable to log out because the logout token in the URL query does not match the session cookie.', message: 'The request could not be authorized' });
    }
    d.sessions.revoke(session);
    clearSessionCookie(res, secureCookies(d));
    if (wantsJson(req)) return void res.status(204).end();
    res.redirect(303, returnTo ?? d.urls.afterLogout);
  });

  return router;
}
