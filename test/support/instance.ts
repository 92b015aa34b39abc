/**
 * One service instance as its own process, for fault tests (test/ops/faults.test.ts): the
 * real platform (receivers, inbox, bull workers, stale re-dispatch) on DATABASE_URL and
 * REDIS_URL, with a consumer whose effect is one row in fault_effect per event, written in
 * the worker's transaction and a little slow, so a kill can land mid-job. Prints "ready <url>".
 */
import { createPool } from '../../kernel/db.ts';
import type { Consumer } from '../../kernel/capability.ts';
import { startTestPlatform } from './platform.ts';

const slowRecorder: Consumer = {
  name: 'fault-recorder',
  topics: ['discourse.post_created'],
  async handle(event, { tx }) {
    await tx.query('insert into fault_effect (event_id, pid) values ($1, $2)', [event.id, process.pid]);
    await new Promise((r) => setTimeout(r, 25));
  },
};

const db = createPool(process.env.DATABASE_URL!);
const platform = await startTestPlatform({
  db, redisUrl: process.env.REDIS_URL!, consumers: [slowRecorder], staleSeconds: Number(process.env.STALE_SECONDS ?? 3),
});
process.stdout.write(`ready ${platform.url}\n`);
process.on('SIGTERM', () => { void platform.close().then(() => db.end()).then(() => process.exit(0)); });
