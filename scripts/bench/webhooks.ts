/**
 * Benchmark (not a test): the webhook receiver on loopback, beside the raw PostgreSQL
 * insert rate of the same rows measured in the same run.
 *   npm run bench:webhooks [-- --seconds 10]
 * Prints accepted signed single deliveries/s with p50/p99 acknowledgement latency, batch
 * endpoint events/s, and how long the workers take to drain what was accepted.
 */
import { execFileSync, fork, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { discourseSignature } from '../../hooks/signature.ts';
import { migrate } from '../../service/db/migrate.ts';
import { createPool } from '../../kernel/db.ts';
import { createLogger } from '../../service/log.ts';
import { ensureDatabase, startEmbeddedPostgres } from '../../service/stack/postgres.ts';
import { startEmbeddedRedis } from '../../service/stack/redis.ts';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 10;
const log = createLogger('warn', 'bench');
const secrets = { nocodb: 'x'.repeat(32), kratos: 'x'.repeat(32), discourse: 'bench-discourse-secret', collector: 'bench-collector-token-0123456789', telegram: 'x'.repeat(16) };

const dir = path.resolve(import.meta.dirname, '../../.data/bench', `webhooks-${process.pid}`);
await mkdir(dir, { recursive: true });
const postgres = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: 45000 + (process.pid % 1000), log });
const redis = await startEmbeddedRedis({ dir: path.join(dir, 'redis'), port: 46000 + (process.pid % 1000), log });
await ensureDatabase(postgres.url, 'bench');
const dbUrl = postgres.urlFor('bench');
const db = createPool(dbUrl, 8);
await migrate(db, log);

const post = (i: number) => ({ post: { id: i, topic_id: 1, user_id: 2, username: 'ann', raw: 'Системное мышление: заметка номер ' + i, created_at: new Date().toISOString() } });
const collectorEvent = (key: string) => ({ key, kind: 'reading_heartbeat', person_id: randomUUID(), occurred_at: new Date().toISOString(), measures: { seconds: 30 }, refs: { guide: 'intro' } });

async function rawPostgresCeiling(rows: number): Promise<number> {
  await db.query(`create table bench_raw (like inbox_event including all)`);
  const batches = Math.ceil(rows / 1000);
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 4 }, async () => {
    const client = await db.connect();
    try {
      for (let b = next++; b < batches; b = next++) {
        const ids = Array.from({ length: 1000 }, (_, i) => `raw-${b}-${i}`);
        await client.query(`insert into bench_raw (source, delivery_id, topic, payload)
          select 'collector', d, 'collector.reading_heartbeat', p from unnest($1::text[], $2::jsonb[]) as t(d, p)
          on conflict (source, delivery_id) do nothing`, [ids, ids.map((k) => JSON.stringify(collectorEvent(k)))]);
      }
    } finally {
      client.release();
    }
  }));
  return (batches * 1000) / ((performance.now() - started) / 1000);
}

function load(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/**
 * The same signed single deliveries from wrk (C, Debian's package) when it is installed: a
 * load generator that takes far less of the two cores than autocannon in Node does.
 * Each wrk thread sends its own slice of prepared, individually signed deliveries.
 */
async function wrkLoad(base: string, prefix: string, perThread: number): Promise<{ rate: number; p50: string; p99: string; non2xx: number } | null> {
  if (spawnSync('sh', ['-c', 'command -v wrk']).status !== 0) return null;
  const threads = 2;
  // One file of prepared deliveries per thread (Lua caps a chunk's constants, so no inline table).
  for (let t = 0; t < threads; t++) {
    const lines: string[] = [];
    for (let i = 0; i < perThread; i++) {
      const body = JSON.stringify(post(t * perThread + i));
      lines.push(`${prefix}-${t}-${i}\t${discourseSignature(secrets.discourse, body)}\t${body}`);
    }
    await writeFile(path.join(dir, `deliveries-${t}.tsv`), lines.join('\n') + '\n');
  }
  const lua = `
local counter = 0
function setup(thread) thread:set("tid", counter); counter = counter + 1 end
local reqs, n = {}, 0
function init(args)
  for line in io.lines("${dir}/deliveries-" .. tid .. ".tsv") do
    local id, sig, body = line:match("^([^\t]+)\t([^\t]+)\t(.*)$")
    reqs[#reqs + 1] = wrk.format("POST", "/hooks/discourse", {
      ["content-type"] = "application/json", ["x-discourse-event-id"] = id, ["x-discourse-event"] = "post_created",
      ["x-discourse-event-type"] = "post", ["x-discourse-event-signature"] = sig }, body)
  end
end
function request() n = n + 1; return reqs[((n - 1) % #reqs) + 1] end
`;
  const file = path.join(dir, 'deliveries.lua');
  await writeFile(file, lua);
  const out = execFileSync('wrk', ['-t', String(threads), '-c', '32', '-d', `${seconds}s`, '--latency', '-s', file, base], { encoding: 'utf8' });
  const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  return { rate, p50: /\s50%\s+(\S+)/.exec(out)?.[1] ?? '?', p99: /\s99%\s+(\S+)/.exec(out)?.[1] ?? '?', non2xx };
}

const server = fork(path.resolve(import.meta.dirname, 'webhook-server.ts'), [dbUrl, redis.url, JSON.stringify(secrets)], { execArgv: ['--import', 'tsx', ...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=.data/prof'] : [])] });
const port = await new Promise<number>((resolve) => server.on('message', (m) => resolve((m as { port: number }).port)));
const base = `http://127.0.0.1:${port}`;

try {
  const ceiling = await rawPostgresCeiling(200_000);

  // Signed single deliveries, each with its own event id and signature, signed beforehand.
  const prepared = Array.from({ length: 4000 * seconds + 20000 }, (_, i) => {
    const body = JSON.stringify(post(i));
    return { body, headers: {
      'content-type': 'application/json', 'x-discourse-event-id': `bench-${i}`, 'x-discourse-event': 'post_created',
      'x-discourse-event-type': 'post', 'x-discourse-event-signature': discourseSignature(secrets.discourse, body),
    } };
  });
  let n = 0;
  await load({ url: `${base}/hooks/discourse`, connections: 8, duration: 2, requests: [{ method: 'POST', setupRequest: (r) => ({ ...r, ...prepared[n++ % prepared.length]! }) }] });
  const single = await load({
    url: `${base}/hooks/discourse`, connections: 32, duration: seconds,
    requests: [{ method: 'POST', setupRequest: (r) => ({ ...r, ...prepared[n++ % prepared.length]! }) }],
  });

  const wrkSingle = await wrkLoad(base, 'wrk', 4000 * seconds);

  let b = 0;
  const batch = await load({
    url: `${base}/hooks/collector/batch`, connections: 4, duration: seconds,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secrets.collector}` },
    requests: [{ method: 'POST', setupRequest: (r) => ({ ...r, body: JSON.stringify({ events: Array.from({ length: 1000 }, (_, i) => collectorEvent(`batch-${b}-${i}`)) }), ...(b++, {}) }) }],
  });

  const drainStarted = performance.now();
  for (;;) {
    const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from inbox_job where status = 'pending'`);
    if (rows[0]!.n === 0 || performance.now() - drainStarted > 120_000) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const drainSeconds = (performance.now() - drainStarted) / 1000;
  const { rows: [totals] } = await db.query<{ events: number; done: number }>(
    `select (select count(*)::int from inbox_event) as events, (select count(*)::int from inbox_job where status = 'done') as done`);

  const singleRate = single['2xx'] / seconds;
  const batchRate = (batch['2xx'] * 1000) / seconds;
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  console.log(`
Webhook receiver on loopback (${os.cpus().length} cores), ${seconds} s per load, PostgreSQL 17 embedded, Redis ${redis.url}

  raw PostgreSQL ceiling: batched inserts (1000 rows, on conflict do nothing, 4 clients)  ${fmt(ceiling)} rows/s

  signed single deliveries  /hooks/discourse (32 connections)
    accepted                ${fmt(singleRate)} deliveries/s   (${single['2xx']} x 2xx, ${single.non2xx} non-2xx, ${single.errors} errors)
    acknowledgement latency p50 ${single.latency.p50} ms   p99 ${single.latency.p99} ms   max ${single.latency.max} ms
    ratio to raw PostgreSQL ${(singleRate / ceiling).toFixed(3)}
${wrkSingle ? `    the same from wrk       ${fmt(wrkSingle.rate)} deliveries/s   p50 ${wrkSingle.p50}   p99 ${wrkSingle.p99}   (${wrkSingle.non2xx} non-2xx; wrk takes less CPU than autocannon)
    ratio to raw PostgreSQL ${(wrkSingle.rate / ceiling).toFixed(3)}` : '    (install Debian\'s wrk for a second measurement with a lighter load generator)'}

  batch endpoint            /hooks/collector/batch (1000 events per request, stored as one inbox event, 4 connections)
    accepted                ${fmt(batchRate)} events/s   (${batch['2xx']} x 2xx, ${batch.non2xx} non-2xx)
    request latency         p50 ${batch.latency.p50} ms   p99 ${batch.latency.p99} ms
    ratio to raw PostgreSQL ${(batchRate / ceiling).toFixed(3)}

  workers drained the backlog ${drainSeconds.toFixed(1)} s after the load; ${fmt(totals!.done)} jobs done of ${fmt(totals!.events)} events
`);
} finally {
  server.kill();
  await db.end();
  await redis.stop();
  await postgres.stop();
  await rm(dir, { recursive: true, force: true });
}
