import { expect } from 'chai';
import { retryPlan, startLoop, withExclusiveLock } from '../../kernel/loop.ts';
import { createPool } from '../../kernel/db.ts';
import { freshDatabase, testLog } from '../support/stack.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kernel: background loops', function () {
  this.timeout(30_000);

  it('runs at start, again on a nudge, never two rounds at once, and goes on after a failed round', async () => {
    let rounds = 0;
    let inFlight = 0;
    let most = 0;
    const loop = await startLoop({
      name: 'test', log: testLog, intervalMs: 60_000,
      run: async () => {
        rounds++;
        inFlight++;
        most = Math.max(most, inFlight);
        await sleep(20);
        inFlight--;
        if (rounds === 2) throw new Error('a failing round');
      },
    });
    await sleep(50);
    expect(rounds, 'the round at start').to.equal(1);
    for (let i = 0; i < 5; i++) loop.nudge();
    await sleep(150);
    expect(rounds, 'nudges during a round fold into one more').to.be.within(2, 3);
    loop.nudge();
    await sleep(80);
    expect(rounds, 'a failed round does not stop the loop').to.be.greaterThan(2);
    expect(most, 'rounds at once').to.equal(1);
    await loop.stop();
    const after = rounds;
    loop.nudge();
    await sleep(50);
    expect(rounds, 'nothing after stop').to.equal(after);
  });

  it('wakes on a PostgreSQL NOTIFY and keeps going when more work is said to wait', async () => {
    const db = await freshDatabase('loop');
    let rounds = 0;
    const loop = await startLoop({ name: 'listen', log: testLog, intervalMs: 60_000, runAtStart: false, listen: { db: db.pool, channel: 'kernel_loop_test' }, run: async () => ++rounds < 3 });
    await db.pool.query('notify kernel_loop_test');
    await sleep(300);
    expect(rounds, 'one NOTIFY, then two more rounds while work remained').to.equal(3);
    await loop.stop();
  });

  it('backs off exponentially and ends dead after the last attempt', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const at = (n: number) => { const p = retryPlan(n, { maxAttempts: 4, backoffMs: 1000, now }); return p.dead ? 'dead' : p.at.getTime() - now.getTime(); };
    expect([1, 2, 3, 4].map(at)).to.deep.equal([1000, 2000, 4000, 'dead']);
  });

  it('runs an exclusive loop\'s rounds in one instance at a time on one PostgreSQL, and another instance takes over when the holder\'s session ends', async () => {
    const db = await freshDatabase('loop_exclusive');
    const instances = [createPool(db.url, 3), createPool(db.url, 3)];
    const rounds: { who: number; start: number; end: number }[] = [];
    const loops = await Promise.all(instances.map((pool, who) => startLoop({
      name: 'nocodb.sweep.test', log: testLog, intervalMs: 30, exclusive: pool,
      run: async () => {
        const start = Date.now();
        await sleep(120);
        rounds.push({ who, start, end: Date.now() });
      },
    })));
    await sleep(1500);
    await Promise.all(loops.map((l) => l.stop()));
    expect(rounds.length).to.be.greaterThan(4);
    const sorted = [...rounds].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.start, 'no two rounds at once across instances').to.be.at.least(sorted[i - 1]!.end);

    // The holder's session ends (its process killed): PostgreSQL frees the lock, the other gets it.
    let held = false;
    const holding = withExclusiveLock(instances[0]!, 'reconcile.test', async () => {
      held = true;
      await db.pool.query(`select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and pid <> pg_backend_pid()`);
      await sleep(200);
    }).catch(() => 'ended');
    while (!held) await sleep(10);
    await holding;
    expect(await withExclusiveLock(instances[1]!, 'reconcile.test', async () => 'ran'), 'taken over').to.equal('ran');
    await Promise.all(instances.map((p) => p.end()));
  });
});
