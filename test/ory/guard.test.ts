import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { expect } from 'chai';
import { createOry, type Ory } from '../../ory/client.ts';
import { requirePermission, requireSession } from '../../ory/guard.ts';
import { isAppError } from '../../kernel/errors.ts';
import { startStandin, type Harness } from './standin-harness.ts';

/** A service-like app: one guarded route, and AppErrors rendered as the service renders them. */
function serviceApp(ory: Ory) {
  const app = express();
  app.get(
    '/workbooks/:id',
    requireSession(ory),
    requirePermission(ory, { namespace: 'Workbook', relation: 'view', object: (req) => String(req.params.id) }),
    (req, res) => void res.json({ workbook: req.params.id, viewer: req.identity?.id }),
  );
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (isAppError(err)) return void res.status(err.status).json({ error: { code: err.code, message: err.message } });
    res.status(500).json({ error: { code: 'INTERNAL', message: String(err) } });
  });
  return app;
}

async function listen(app: express.Express): Promise<{ url: string; server: Server }> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('route guards (ory/guard.ts)', () => {
  let h: Harness;
  let service: { url: string; server: Server };
  let token: string;
  let identityId: string;

  before(async () => {
    h = await startStandin();
    service = await listen(serviceApp(h.ory));
    const flow = await h.raw('GET', '/self-service/registration/api');
    const reg = await h.raw('POST', `/self-service/registration?flow=${flow.body.id}`, {
      body: { method: 'password', password: 'a long password', traits: { email: 'guarded@example.org' } },
    });
    token = reg.body.session_token;
    identityId = reg.body.identity.id;
    await h.ory.keto.write([{ namespace: 'Workbook', object: 'mine', relation: 'owners', subject_id: identityId }]);
  });
  after(async () => {
    service.server.close();
    await h.close();
  });

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${service.url}${path}`, { headers });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('answers 401 SESSION_REQUIRED without a session, or with an unknown one', async () => {
    expect(await get('/workbooks/mine')).to.deep.nested.include({ status: 401, 'body.error.code': 'SESSION_REQUIRED' });
    expect(await get('/workbooks/mine', { 'x-session-token': 'ory_st_nope' })).to.deep.nested.include({ status: 401, 'body.error.code': 'SESSION_REQUIRED' });
  });

  it('lets the owner in with X-Session-Token, Authorization: Bearer or the session cookie', async () => {
    const variants: Record<string, string>[] = [{ 'x-session-token': token }, { authorization: `Bearer ${token}` }, { cookie: `ory_kratos_session=${token}` }];
    for (const headers of variants) {
      const res = await get('/workbooks/mine', headers);
      expect(res, JSON.stringify(headers)).to.deep.equal({ status: 200, body: { workbook: 'mine', viewer: identityId } });
    }
  });

  it('answers 403 PERMISSION_DENIED for a workbook the identity may not view', async () => {
    expect(await get('/workbooks/someone-else', { 'x-session-token': token })).to.deep.nested.include({ status: 403, 'body.error.code': 'PERMISSION_DENIED' });
  });

  it('answers 503 ORY_UNAVAILABLE, never lets the request through, when Ory is down', async () => {
    const down = createOry({ mode: 'self-hosted', kratosPublicUrl: 'http://127.0.0.1:9', kratosAdminUrl: 'http://127.0.0.1:9', ketoReadUrl: 'http://127.0.0.1:9', ketoWriteUrl: 'http://127.0.0.1:9', timeoutMs: 500 });
    const ketoDown: Ory = { ...h.ory, keto: down.keto };
    for (const ory of [down, ketoDown]) {
      const app = await listen(serviceApp(ory));
      try {
        const res = await fetch(`${app.url}/workbooks/mine`, { headers: { 'x-session-token': token } });
        expect(res.status).to.equal(503);
        expect(((await res.json()) as any).error.code).to.equal('ORY_UNAVAILABLE');
      } finally {
        app.server.close();
      }
    }
  });
});
