/**
 * What the three billing benchmarks share (billing-pass.ts, billing-ledger.ts,
 * billing-figures.ts): an embedded PostgreSQL of their own in .data/bench, migrated like the
 * service's, stopped and removed at the end or when the run outlasts its deadline; a small
 * catalog; and the way figures are printed beside their ceiling.
 */
import { mkdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { createPool } from '../../kernel/db.ts';
import { migrate } from '../../service/db/migrate.ts';
import { createLogger } from '../../service/log.ts';
import { ensureDatabase, startEmbeddedPostgres } from '../../service/stack/postgres.ts';

export const log = createLogger(process.env.LOG_LEVEL ?? 'warn', 'bench');

export const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) || fallback : fallback;
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface BenchDatabase { db: pg.Pool; done(): Promise<void> }

/** A migrated database on a PostgreSQL of the run's own; `done` stops it and removes its data. */
export async function benchDatabase(name: string, opts: { connections: number; deadlineMs: number; statementMs?: number }): Promise<BenchDatabase> {
  const dir = path.resolve(import.meta.dirname, '../../.data/bench', `${name}-${process.pid}`);
  await mkdir(dir, { recursive: true });
  const postgres = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: await freePort(), log });
  let db: pg.Pool | undefined;
  let stopped = false;
  const done = async () => {
    if (stopped) return;
    stopped = true;
    clearTimeout(deadline);
    await db?.end().catch(() => {});
    await postgres.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  };
  // A hard stop: whatever happens, the run ends and PostgreSQL with it.
  const deadline = setTimeout(() => {
    process.stderr.write(`${name}: longer than ${opts.deadlineMs / 1000} s; stopping\n`);
    void done().finally(() => process.exit(2));
  }, opts.deadlineMs);
  try {
    await ensureDatabase(postgres.url, 'bench');
    db = createPool(postgres.urlFor('bench'), opts.connections, { statementMs: opts.statementMs ?? 120_000 });
    await migrate(db, log);
  } catch (e) {
    await done();
    throw e;
  }
  return { db, done };
}

/** Runs `main` on a fresh database and always cleans up; a failure is printed and exits 1. */
export async function runBench(name: string, opts: Parameters<typeof benchDatabase>[1], main: (db: pg.Pool) => Promise<void>): Promise<void> {
  const started = performance.now();
  const bench = await benchDatabase(name, opts);
  try {
    await main(bench.db);
    const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
    console.log(`total ${seconds(performance.now() - started)} s; load average ${load} on ${os.cpus().length} cores (a shared machine: compare within the run)`);
  } catch (e) {
    process.stderr.write(`${name} failed: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  } finally {
    await bench.done();
  }
}

/**
 * Products 1..`products`, plans 1..`plans` (plan p sells product 1 + (p - 1) % products, by
 * the month in roubles, a few yearly ones and one in dollars), each with a price row and a
 * schedule raising it every three months, as staff keep them.
 */
export async function seedCatalog(db: pg.Pool, products = 5, plans = 10): Promise<void> {
  await db.query(`insert into billing_product (id, title, kind, guides)
    select p, 'Product ' || p, 'subscription', array['guide-' || p] from generate_series(1, $1) p`, [products]);
  await db.query(`insert into billing_plan (id, product_id, title, duration, jurisdiction, currency)
    select p, 1 + (p - 1) % $1, 'Plan ' || p, case when p % 5 = 0 then 'year' else 'month' end,
      case when p = $2 then 'world' else 'ru' end, case when p = $2 then 'USD' else 'RUB' end
    from generate_series(1, $2) p`, [products, plans]);
  await db.query(`insert into billing_price_rule (nocodb_table, row_id, plan_id, rule)
    select 'prices', p, p, jsonb_build_object('amountMinor', 100000 + p * 1000, 'validFrom', '2024-01-01') from generate_series(1, $1) p
    union all
    select 'price_schedules', p, p, jsonb_build_object('stepMinor', 5000, 'everyMonths', 3, 'startsOn', '2024-04-01') from generate_series(1, $1) p`, [plans]);
}

export const seconds = (ms: number) => (ms / 1000).toFixed(2);
export const count = (n: number) => Math.round(n).toLocaleString('en');
export const rate = (n: number, ms: number) => count(n / (ms / 1000));
/** Our cost over the raw cost of the same work: 1.0 is as cheap as PostgreSQL itself. */
export const ratio = (ours: number, raw: number) => `${(ours / raw).toFixed(1)}x`;

export async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await run();
  return { ms: performance.now() - started, result };
}

/** The median of `n` runs after one warm-up run, in ms. */
export async function median(n: number, run: () => Promise<unknown>): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push((await timed(run)).ms);
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Runs `count` tasks, `parallel` at a time. */
export async function inParallel(count: number, parallel: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    for (let i = next++; i < count; i = next++) await task(i);
  }));
}
