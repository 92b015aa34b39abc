import { expect } from 'chai';
import express from 'express';
import { rateLimit } from '../../kernel/rate-limit.ts';
import { errorHandler } from '../../service/http/errors-middleware.ts';
import { createLogger } from '../../service/log.ts';

describe('rate limits on costly reads', () => {
  it('gives each person their own burst, refills it with time, and answers 429 RATE_LIMITED with Retry-After past it', async () => {
    let now = 1_000_000;
    const app = express();
    // As the guard does: the signed-in person is req.identity.
    app.use((req, _res, next) => { (req as unknown as { identity: { id: string } }).identity = { id: String(req.get('x-person')) }; next(); });
    app.get('/statement', rateLimit({ burst: 3, perMinute: 6 }, { now: () => now }), (_req, res) => { res.json({ ok: true }); });
    app.use(errorHandler(createLogger('silent', 'test')));
    const server = app.listen(0);
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/statement`;
    const as = (person: string) => fetch(url, { headers: { 'x-person': person } });
    try {
      for (let i = 0; i < 3; i++) expect((await as('anna')).status).to.equal(200);
      const refused = await as('anna');
      expect(refused.status).to.equal(429);
      expect(refused.headers.get('retry-after'), 'one request comes back in 10 s at 6 a minute').to.equal('10');
      expect(((await refused.json()) as { error: { code: string } }).error.code).to.equal('RATE_LIMITED');
      expect((await as('boris')).status, 'another person is not slowed by Anna').to.equal(200);
      now += 10_000;
      expect((await as('anna')).status, 'after 10 s one more').to.equal(200);
      expect((await as('anna')).status).to.equal(429);
      now += 60_000;
      for (let i = 0; i < 3; i++) expect((await as('anna')).status, 'a full burst again, never more').to.equal(200);
      expect((await as('anna')).status).to.equal(429);
    } finally {
      server.close();
    }
  });

  it('keeps at most maxKeys people in memory, forgetting the least recent first', async () => {
    const limit = rateLimit({ burst: 1, perMinute: 1 }, { maxKeys: 2, now: () => 0 });
    const call = (id: string) => new Promise<unknown>((resolve) => limit({ identity: { id } } as never, {} as never, resolve));
    expect(await call('a')).to.equal(undefined);
    expect(await call('b')).to.equal(undefined);
    expect(await call('c')).to.equal(undefined); // a is forgotten
    expect(await call('a'), 'a starts a new bucket').to.equal(undefined);
    expect((await call('c')) as { code?: string }).to.have.property('code', 'RATE_LIMITED');
  });
});
