import { expect } from 'chai';
import { startLoop } from '../../kernel/loop.ts';
import { waitFor } from '../support/platform.ts';
import { freshDatabase, testLog } from '../support/stack.ts';

/**
 * The AI checks' work loop holds one connection for LISTEN. When PostgreSQL ends it (a
 * restart, or Ctrl-C reaching PostgreSQL together with the service), the process must not
 * crash, and the loop goes on by polling.
 */
describe('ai-check: the work loop when its LISTEN connection is ended', () => {
  it('keeps the process alive and keeps working by polling', async () => {
    const db = await freshDatabase('work_loop');
    let ticks = 0;
    const loop = await startLoop({ name: 'work_loop_test', log: testLog, intervalMs: 50, listen: { db: db.pool, channel: 'work_loop_test' }, run: async () => { ticks += 1; } });
    const { rows } = await db.pool.query<{ n: number }>(`select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
      where datname = current_database() and query ilike 'listen work_loop_test%'`);
    expect(rows[0]!.n, 'the LISTEN connection was found and ended').to.equal(1);
    const before = ticks;
    await waitFor('ticks after the connection ended', async () => ticks > before + 2);
    await loop.stop();
  });
});
