/**
 * Kratos' public API, as far as the project uses it: whoami (session token or cookie), the
 * self-service flows (login, registration, logout, settings, recovery, verification; API
 * and browser), the error UI's errors, the identity schema.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { wantsJson, type FlowErrors } from './browser.ts';
import { codeFlowRoutes, recovery, verification } from './code-flows.ts';
import { loginRoutes } from './login.ts';
import { logoutRoutes } from './logout.ts';
import { OryError } from './ory-errors.ts';
import { registrationRoutes } from './registration.ts';
import { requireSession, type SelfServiceDeps } from './self-service.ts';
import { settingsRoutes } from './settings.ts';

export function kratosPublicRoutes(d: SelfServiceDeps, errors: FlowErrors): Router {
  const router = Router();

  router.get('/sessions/whoami', (req, res) => {
    const { session, identity } = requireSession(d, req);
    res.json(d.sessions.view(session, identity, false));
  });

  router.use(loginRoutes(d), registrationRoutes(d), logoutRoutes(d), settingsRoutes(d), codeFlowRoutes(d, recovery), codeFlowRoutes(d, verification));

  router.get('/self-service/errors', (req, res) => {
    res.json(errors.view(req.query.id));
  });

  router.get('/schemas/:id', (req, res) => {
    if (Buffer.from(req.params.id, 'base64url').toString() !== d.schema.id && req.params.id !== d.schema.id) {
      throw new OryError(404, { message: 'Unable to locate the resource' });
    }
    res.json(d.schema.raw);
  });

  // Kratos' error manager: a browser that cannot continue a flow is sent to the login UI
  // (no session) or to the error UI with the error's id; JSON clients and API flows get the error body.
  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    const browser = req.path.startsWith('/self-service/') && !req.path.endsWith('/api') && res.locals.flowType !== 'api' && !wantsJson(req);
    if (!(err instanceof OryError) || !browser) return next(err);
    if (err.fields.id === 'session_inactive' && req.path.startsWith('/self-service/settings')) return res.redirect(303, d.urls.login);
    res.redirect(303, `${d.urls.error}?id=${errors.record(err)}`);
  });

  return router;
}
