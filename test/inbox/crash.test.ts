import { fork } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import type { Consumer } from '../../kernel/capability.ts';
import { freshDatabase, useRedis, type TestDatabase } from '../support/stack.ts';
import { startTestPlatform, testSecrets, waitFor } from '../support/platform.ts';
import { postDiscourse } from '../support/discourse.ts';

describe('webhook pipeline: a worker killed mid-job', () => {
  let db: TestDatabase;
  before(async () => {
    db = await freshDatabase('crash');
    await db.pool.query('create table crash_effect (event_id bigint)');
  });

  it('loses nothing: the event is processed once by the next worker', async () => {
    const redis = await useRedis();
    const child = fork(path.resolve(import.meta.dirname, '../support/worker-process.ts'), [db.url, redis.url], {
      execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const messages: Record<string, unknown>[] = [];
    child.on('message', (m) => messages.push(m as Record<string, unknown>));
    const url = await waitFor('the worker process', async () => messages.find((m) => m.url)?.url as string | undefined, 30_000);

    const res = await postDiscourse(url, testSecrets.discourse, 'evt-crash', 'post_created', { post: { id: 9, raw: 'x' } });
    expect(res.status).to.equal(202);
    await waitFor('the job to start', async () => messages.some((m) => m.inJob));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const effects = async () => (await db.pool.query('select count(*)::int as n from crash_effect')).rows[0].n as number;
    expect(await effects(), 'nothing committed by the killed worker').to.equal(0);
    const job = await db.pool.query(`select status from inbox_job where consumer = 'crash-recorder'`);
    expect(job.rows.map((r) => r.status)).to.deep.equal(['pending']);

    const healthy: Consumer = {
      name: 'crash-recorder',
      topics: ['discourse.post_created'],
      async handle(event, { tx }) {
        await tx.query('insert into crash_effect (event_id) values ($1)', [event.id]);
      },
    };
    const next = await startTestPlatform({ db: db.pool, redisUrl: redis.url, consumers: [healthy], staleSeconds: 1 });
    try {
      await waitFor('the event to be done', async () => {
        const r = await db.pool.query(`select status from inbox_job where consumer = 'crash-recorder'`);
        return r.rows[0]?.status === 'done';
      }, 30_000);
      expect(await effects(), 'exactly one effect').to.equal(1);
    } finally {
      await next.close();
    }
  });
});
