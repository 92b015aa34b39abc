import { expect } from 'chai';
import { createClient } from 'redis';
import { createPlatform } from '../../service/platform.ts';
import { freshDatabase, testLog, useRedis } from '../support/stack.ts';
import { testSecrets } from '../support/platform.ts';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

describe('GET /health', () => {
  it('answers 200 with each component up, and 503 naming the component that is down', async () => {
    const db = await freshDatabase('health');
    const redis = await useRedis();
    const ping = createClient({ url: redis.url, socket: { reconnectStrategy: 100 } });
    ping.on('error', () => {});
    await ping.connect();
    const platform = createPlatform({
      db: db.pool, redisUrl: redis.url, log: testLog, secrets: testSecrets, capabilities: [], tableById: () => undefined,
      health: { postgres: async () => { await db.pool.query('select 1'); }, redis: async () => { await ping.ping(); } },
      staffGuard: (_q, _s, next) => next(), inboxStaleSeconds: 60, maxAttempts: 3, concurrency: 1,
    });
    const server = http.createServer(platform.app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
    try {
      const up = await fetch(url);
      expect(up.status).to.equal(200);
      const body = await up.json() as { components: Record<string, { status: string }> };
      expect(body.components.postgres!.status).to.equal('up');
      expect(body.components.redis!.status).to.equal('up');

      await redis.stop();
      await new Promise((r) => setTimeout(r, 2100)); // the checks' answer is kept 2 s (healthHandler)
      const down = await fetch(url);
      expect(down.status).to.equal(503);
      const downBody = await down.json() as { components: Record<string, { status: string }> };
      expect(downBody.components.redis!.status).to.equal('down');
      expect(downBody.components.postgres!.status).to.equal('up');
    } finally {
      await redis.start();
      server.close();
      await platform.stop();
      ping.destroy();
    }
  });
});
