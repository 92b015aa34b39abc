/**
 * Benchmark (not a test) of the points capability, beside raw PostgreSQL in the same run.
 *   node --import tsx scripts/bench/points.ts [--events 40000] [--single 4000] [--people 10000] [--recompute-events 1000000] [--only ingestion|recompute]
 *   (or: npm run bench:points)
 * (a) ingestion through the service's own endpoints (the real platform in a child process
 *     with Redis, bull and the points consumer): collector batches of 1000 and signed
 *     single Discourse deliveries, accepted/s and counted/s end to end, beside two
 *     ceilings: a raw insert into an inbox-shaped table, and the rows counting must write
 *     (an event row and a ledger line) inserted raw;
 * (b) recomputation: 1,000,000 events of 10,000 people from an empty ledger, and again
 *     after every rule changed (each line reversed and re-added), beside a raw
 *     `insert ... select` copy of the same rows.
 * Starts its own embedded PostgreSQL and Redis in .data/bench and removes them at the end.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { PoolClient } from 'pg';
import { register } from '../../extensions/points/index.ts';
import { discourseSignature } from '../../hooks/signature.ts';
import { migrate } from '../../service/db/migrate.ts';
import { createPool, inTransaction } from '../../kernel/db.ts';
import { acceptEvents } from '../../service/inbox/accept.ts';
import { processBatch } from '../../service/inbox/worker.ts';
import { createLogger } from '../../service/log.ts';
import { ensureDatabase, startEmbeddedPostgres } from '../../service/stack/postgres.ts';
import { startEmbeddedRedis } from '../../service/stack/redis.ts';
import { scheduleRecompute } from '../../extensions/points/recompute-store.ts';
import { topicRegistry } from '../../schemas/topics.ts';

const topics = topicRegistry();

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) || fallback : fallback;
};
const BATCH_EVENTS = arg('events', 40_000);
const SINGLE_EVENTS = arg('single', 4_000);
const INGEST_PEOPLE = 2_000;
const RECOMPUTE_EVENTS = arg('recompute-events', 1_000_000);
const RECOMPUTE_PEOPLE = arg('people', 10_000);
const BATCH = 1000;
const runStarted = performance.now();

const log = createLogger('warn', 'bench');
const dir = path.resolve(import.meta.dirname, '../../.data/bench', `points-${process.pid}`);
await mkdir(dir, { recursive: true });
const postgres = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: 47000 + (process.pid % 1000), log });
// A hard stop: whatever happens, the run ends and PostgreSQL with it.
const deadline = setTimeout(() => {
  process.stderr.write('benchmark took longer than 300 s; stopping\n');
  void postgres.stop().finally(() => process.exit(2));
}, 300_000);
await ensureDatabase(postgres.url, 'bench');
const db = createPool(postgres.urlFor('bench'), 12);
await migrate(db, log);

const points = register({ db, log, clock: () => new Date(), guard: () => (_req, _res, next) => next(), signedIn: (_req, _res, next) => next(), defaultTimeZone: 'Europe/Moscow' });
const consumer = points.consumers![0]!;
const routing = (topic: string) => (consumer.topics.includes(topic) ? [consumer.name] : []);
const seconds = (ms: number) => (ms / 1000).toFixed(2);
const rate = (n: number, ms: number) => Math.round(n / (ms / 1000)).toLocaleString('en');

async function pendingIds(limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(`select event_id::text as id from inbox_job where consumer = 'points' and status = 'pending' order by event_id limit $1`, [limit]);
  return rows.map((r) => r.id);
}

async function setRules(points: number): Promise<void> {
  const rules = [
    { Id: 1, Kind: 'club_post', Points: points, PerCharacter: 0.01, MinLength: 20, DailyCap: 60, CooldownSeconds: 30, AmbassadorShare: 0.1 },
    { Id: 2, Kind: 'reading_heartbeat', Points: 0, PerMinute: points / 2, DailyCap: 120 },
    { Id: 3, Kind: 'ai_question', Points: points, MinLength: 0, DailyCap: 20, CooldownSeconds: 30, AmbassadorShare: 0.05 },
    { Id: 4, Kind: 'draft', Points: 0, PerCharacter: 0.005, DailyCap: 30 },
  ];
  await acceptEvents(db, routing, rules.map((row) => ({
    source: 'nocodb', deliveryId: `rule-${row.Id}-${points}`, topic: 'nocodb.points_rules.update',
    payload: { table: 'points_rules', row: { ...row, EffectiveFrom: '2000-01-01', UpdatedAt: new Date().toISOString() } },
  })));
  const r = await processBatch({ db, log, maxAttempts: 3, topics }, consumer, await pendingIds(100));
  if (r.failed) throw new Error('rule change failed');
}

// ---- (a) ingestion through the service's endpoints ----------------------------------

const secrets = { nocodb: 'x'.repeat(32), kratos: 'x'.repeat(32), discourse: 'bench-discourse-secret', collector: 'bench-collector-token-0123456789', telegram: 'x'.repeat(16) };
const START = Date.now() - 7 * 86_400_000;
const instant = (i: number) => new Date(START + ((i * 7919) % (7 * 86_400)) * 1000).toISOString();

/** Collector events as the guides' front end sends them: 60% reading heartbeats, 20% AI questions, 20% drafts. */
function collectorEvents(people: string[], n: number, prefix: string) {
  return Array.from({ length: n }, (_, i) => {
    const kind = i % 5 < 3 ? 'reading_heartbeat' : i % 5 === 3 ? 'ai_question' : 'draft';
    return { key: `${prefix}-${i}`, kind, person_id: people[i % people.length], occurred_at: instant(i),
      measures: kind === 'reading_heartbeat' ? { seconds: 30 } : kind === 'draft' ? { characters: 200 + (i % 900) } : {}, refs: { guide: 'intro' } };
  });
}

/** Signed Discourse deliveries of new posts, by people known through their Discourse user id. */
function discourseDeliveries(people: string[], n: number) {
  return Array.from({ length: n }, (_, i) => {
    const p = i % people.length;
    const body = JSON.stringify({ post: { id: 1_000_000 + i, topic_id: 1, user_id: p + 1, username: `user${p}`, post_type: 1,
      raw: 'Системное мышление: заметка '.repeat(1 + (i % 7)), created_at: instant(i), updated_at: instant(i) } });
    return { body, headers: { 'content-type': 'application/json', 'x-discourse-event-id': `bench-${i}`, 'x-discourse-event': 'post_created',
      'x-discourse-event-type': 'post', 'x-discourse-event-signature': discourseSignature(secrets.discourse, body) } };
  });
}

/** Runs `count` tasks, `parallel` at a time. */
async function pool(count: number, parallel: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    for (let i = next++; i < count; i = next++) await task(i);
  }));
}

async function countedEvents(): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from points_event`);
  return rows[0]!.n;
}

/** Waits until `expected` events are in the ledger's event table; returns when that happened. */
async function whenCounted(expected: number): Promise<number> {
  for (;;) {
    if (await countedEvents() >= expected) return performance.now();
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Ceilings: (1) what a client can insert into one inbox-shaped table (the usual yardstick);
 * (2) the rows counting must write at the least, each event's row and its ledger line, in
 * tables shaped and indexed like points_event and points_ledger, inserted raw in batches
 * of 1000 from 2 clients, with none of the reading, locking or deciding.
 */
async function rawCeilings(people: string[], n: number): Promise<{ inbox: number; sameRows: number }> {
  await db.query(`create table bench_raw (like inbox_event including all)`);
  const payloads = collectorEvents(people, n, 'raw');
  let started = performance.now();
  await pool(Math.ceil(n / BATCH), 4, async (b) => {
    const batch = payloads.slice(b * BATCH, (b + 1) * BATCH);
    await db.query(`insert into bench_raw (source, delivery_id, topic, payload)
      select 'collector', k, 'collector.reading_heartbeat', p from unnest($1::text[], $2::jsonb[]) as t(k, p) on conflict (source, delivery_id) do nothing`,
    [batch.map((e) => e.key), batch.map((e) => JSON.stringify(e))]);
  });
  const inbox = n / ((performance.now() - started) / 1000);
  await db.query(`create table bench_event (like points_event including all); create table bench_ledger (like points_ledger including all)`);
  started = performance.now();
  await pool(Math.ceil(n / BATCH), 2, async (b) => {
    const batch = payloads.slice(b * BATCH, (b + 1) * BATCH);
    await inTransaction(db, async (tx) => {
      const { rows } = await tx.query<{ id: string; person_id: string; kind: string; day: string }>(`
        insert into bench_event (key, person_id, kind, source, occurred_at, time_zone, day, subject, version, seconds, refs)
        select k, p, kind, 'collector', at, 'Europe/Moscow', (at at time zone 'Europe/Moscow')::date, k, 0, 30, '{"guide":"intro"}'
        from unnest($1::text[], $2::uuid[], $3::text[], $4::timestamptz[]) as t(k, p, kind, at)
        returning id::text, person_id::text, kind, day::text`,
      [batch.map((e) => e.key), batch.map((e) => e.person_id), batch.map((e) => e.kind), batch.map((e) => e.occurred_at)]);
      await tx.query(`insert into bench_ledger (event_id, person_id, role, kind, day, rule_id, rule_version, points, actions, characters, seconds)
        select e, p, 'own', k, d, 1, 1, 1, 1, 0, 30 from unnest($1::bigint[], $2::uuid[], $3::text[], $4::date[]) as t(e, p, k, d)`,
      [rows.map((r) => r.id), rows.map((r) => r.person_id), rows.map((r) => r.kind), rows.map((r) => r.day)]);
    });
  });
  return { inbox, sameRows: n / ((performance.now() - started) / 1000) };
}

async function benchIngestion(): Promise<void> {
  const people = Array.from({ length: INGEST_PEOPLE }, () => randomUUID());
  await db.query(`insert into points_person (person_id, time_zone) select p, 'Europe/Moscow' from unnest($1::uuid[]) p`, [people]);
  await db.query(`insert into points_person_alias (source, external_id, person_id) select 'discourse_user', (n)::text, p
    from unnest($1::uuid[]) with ordinality as t(p, n)`, [people]);
  await setRules(2);
  const ceiling = await rawCeilings(people, BATCH_EVENTS);

  const redis = await startEmbeddedRedis({ dir: path.join(dir, 'redis'), port: 46500 + (process.pid % 500), log });
  const server = fork(path.resolve(import.meta.dirname, 'webhook-server.ts'), [postgres.urlFor('bench'), redis.url, JSON.stringify(secrets)], {
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=.data/prof'] : [])], env: { ...process.env, BENCH_CONSUMERS: 'points' },
  });
  try {
    const port = await new Promise<number>((resolve) => server.on('message', (m) => resolve((m as { port: number }).port)));
    const base = `http://127.0.0.1:${port}`;
    const before = await countedEvents();

    // Batch endpoint: requests of 1000 events, 2 clients.
    const events = collectorEvents(people, BATCH_EVENTS, 'batch');
    let started = performance.now();
    await pool(Math.ceil(events.length / BATCH), 2, async (b) => {
      const res = await fetch(`${base}/hooks/collector/batch`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secrets.collector}` },
        body: JSON.stringify({ events: events.slice(b * BATCH, (b + 1) * BATCH) }),
      });
      if (res.status !== 202) throw new Error(`batch answered ${res.status}: ${await res.text()}`);
    });
    const batchAccepted = performance.now() - started;
    const batchCounted = (await whenCounted(before + events.length)) - started;

    // Single endpoint: signed Discourse deliveries, 16 clients.
    const deliveries = discourseDeliveries(people, SINGLE_EVENTS);
    started = performance.now();
    await pool(deliveries.length, 16, async (i) => {
      const res = await fetch(`${base}/hooks/discourse`, { method: 'POST', headers: deliveries[i]!.headers, body: deliveries[i]!.body });
      if (res.status !== 202) throw new Error(`discourse answered ${res.status}: ${await res.text()}`);
    });
    const singleAccepted = performance.now() - started;
    const singleCounted = (await whenCounted(before + events.length + deliveries.length)) - started;

    const line = (label: string, n: number, ms: number, base: number) => {
      const eps = n / (ms / 1000);
      return `${label}${rate(n, ms)} events/s = ${(eps / base).toFixed(2)} of the ceiling`;
    };
    console.log(`(a) ingestion through the service's endpoints (receivers, inbox, dispatcher, bull, points consumer in one process; ${INGEST_PEOPLE.toLocaleString('en')} people)`);
    console.log(`    ceiling 1, raw PostgreSQL insert into an inbox-shaped table (batches of 1000, 4 clients):      ${rate(BATCH_EVENTS, BATCH_EVENTS / ceiling.inbox * 1000)} rows/s`);
    console.log(`    ceiling 2, the same rows counting writes, raw (an event row + a ledger line, batches of 1000, 2 clients): ${rate(BATCH_EVENTS, BATCH_EVENTS / ceiling.sameRows * 1000)} events/s`);
    console.log(`    batch endpoint, ${events.length.toLocaleString('en')} collector events in requests of 1000, 2 clients:`);
    console.log(`      accepted (202):    ${rate(events.length, batchAccepted)} events/s`);
    console.log(`      ${line('counted (end to end): ', events.length, batchCounted, ceiling.sameRows)} 2 (${(events.length / (batchCounted / 1000) / ceiling.inbox).toFixed(2)} of ceiling 1)`);
    console.log(`    single endpoint, ${deliveries.length.toLocaleString('en')} signed Discourse deliveries (new posts), 16 clients:`);
    console.log(`      accepted (202):    ${rate(deliveries.length, singleAccepted)} deliveries/s`);
    console.log(`      ${line('counted (end to end): ', deliveries.length, singleCounted, ceiling.sameRows)} 2`);
  } finally {
    server.kill('SIGTERM');
    await redis.stop();
  }
}

// ---- (b) recomputation ----------------------------------------------------------------

/**
 * 1,000,000 events straight into points_event (the inbox path would take far longer than
 * the recomputation it prepares): four kinds, 90 days, one event in ten an edit of the
 * one before it (a second version of the same subject).
 */
async function generateEvents(tx: PoolClient): Promise<void> {
  // Bulk load: no foreign-key triggers, indexes built once afterwards.
  await tx.query(`set local session_replication_role = replica`);
  await tx.query(`alter table points_event drop constraint points_event_key_unique`);
  await tx.query(`drop index points_event_group_idx, points_event_subject_idx`);
  await tx.query(`insert into points_person (person_id, time_zone)
    select md5('person-' || p)::uuid, case when p % 3 = 0 then 'Asia/Vladivostok' else 'Europe/Moscow' end from generate_series(0, $1 - 1) p`, [RECOMPUTE_PEOPLE]);
  await tx.query(`insert into points_referral (person_id, ambassador_id, code)
    select md5('person-' || p)::uuid, md5('person-' || (p - 1))::uuid, 'BENCH' from generate_series(1, $1 - 1, 10) p`, [RECOMPUTE_PEOPLE]);
  await tx.query(`
    insert into points_event (key, person_id, kind, source, occurred_at, time_zone, day, subject, version, retract, actions, characters, seconds)
    select 'bench:' || i, person, kind, 'bench', at, zone, (at at time zone zone)::date,
      case when i % 10 = 1 then 'bench:' || (i - 1) else 'bench:' || i end, case when i % 10 = 1 then 1 else 0 end, false, 1,
      case when kind in ('club_post', 'draft') then (i * 31) % 1500 end, case when kind = 'reading_heartbeat' then 30 + i % 90 end
    from (
      select i, md5('person-' || ((i / 2) % $2))::uuid as person,
        (array['club_post', 'reading_heartbeat', 'ai_question', 'draft'])[1 + (i / 2) % 4] as kind,
        timestamptz '2025-01-01 00:00:00+00' + make_interval(secs => ((i / 2)::bigint * 7919) % (90 * 86400)) as at,
        case when ((i / 2) % $2) % 3 = 0 then 'Asia/Vladivostok' else 'Europe/Moscow' end as zone
      from generate_series(0, $1 - 1) i
    ) g`, [RECOMPUTE_EVENTS, RECOMPUTE_PEOPLE]);
  await tx.query(`set local maintenance_work_mem = '256MB'`);
  await tx.query(`alter table points_event add constraint points_event_key_unique unique (key)`);
  await tx.query(`create index points_event_group_idx on points_event (person_id, kind, day)`);
  await tx.query(`create index points_event_subject_idx on points_event (subject, version)`);
}

async function timedRecompute(reason: string): Promise<{ ms: number; lines: number }> {
  await inTransaction(db, (tx) => scheduleRecompute(tx, { reason, kinds: null, fromDay: null }));
  const started = performance.now();
  await points.recomputeNow();
  const ms = performance.now() - started;
  const { rows } = await db.query<{ lines: number; status: string; error: string | null }>(`select lines_added as lines, status, error from points_recompute order by id desc limit 1`);
  if (rows[0]!.status !== 'done') throw new Error(`recomputation ${rows[0]!.status}: ${rows[0]!.error}`);
  return { ms, lines: rows[0]!.lines };
}

async function benchRecompute(): Promise<void> {
  await db.query(`truncate inbox_job, inbox_event, points_person_alias, points_recompute, points_rule, points_referral`);
  await db.query(`alter table points_ledger disable trigger points_ledger_append_only; alter table points_event disable trigger points_event_append_only`);
  await db.query(`truncate points_ledger, points_event, points_person cascade`);
  await db.query(`alter table points_ledger enable trigger points_ledger_append_only; alter table points_event enable trigger points_event_append_only`);
  await setRules(2);
  await db.query(`truncate points_recompute`);
  const genStart = performance.now();
  await inTransaction(db, generateEvents);
  await db.query('vacuum analyze points_event');
  const generated = performance.now() - genStart;

  const first = await timedRecompute('bench: empty ledger');
  await db.query('vacuum analyze points_ledger');
  await setRules(3);
  await db.query(`truncate points_recompute`);
  const second = await timedRecompute('bench: every rule changed');
  // The pure cost of checking, when there is time left in the run's budget.
  const again = performance.now() - runStarted < 220_000 ? await timedRecompute('bench: nothing changed') : undefined;

  const copyStart = performance.now();
  await db.query(`create table bench_copy (like points_event)`);
  await db.query(`insert into bench_copy select * from points_event`);
  const copyMs = performance.now() - copyStart;
  const ledgerCopyStart = performance.now();
  await db.query(`create table bench_ledger_copy (like points_ledger including defaults including indexes)`);
  await db.query(`insert into bench_ledger_copy (event_id, person_id, role, kind, day, points, actions, characters, seconds)
    select id, person_id, 'own', kind, day, 1, 1, coalesce(characters, 0), coalesce(seconds, 0) from points_event`);
  const ledgerCopyMs = performance.now() - ledgerCopyStart;
  // The same insert split over 2 connections, as the recomputation runs.
  const parallelStart = performance.now();
  await db.query(`create table bench_ledger_parallel (like points_ledger including defaults including indexes)`);
  await Promise.all([0, 1].map((half) => db.query(`insert into bench_ledger_parallel (event_id, person_id, role, kind, day, points, actions, characters, seconds)
    select id, person_id, 'own', kind, day, 1, 1, coalesce(characters, 0), coalesce(seconds, 0) from points_event where id % 2 = $1`, [half])));
  const parallelMs = performance.now() - parallelStart;

  console.log(`(b) recomputation, ${RECOMPUTE_EVENTS.toLocaleString('en')} events of ${RECOMPUTE_PEOPLE.toLocaleString('en')} people (generated in ${seconds(generated)} s), 2 connections, ${2 * Math.ceil(RECOMPUTE_PEOPLE / 4000)} chunks of people`);
  console.log(`    from an empty ledger:       ${seconds(first.ms)} s, ${first.lines.toLocaleString('en')} lines added`);
  console.log(`    after every rule changed:   ${seconds(second.ms)} s, ${second.lines.toLocaleString('en')} lines added (reversal + new line per event)`);
  if (again) console.log(`    again, nothing to change:   ${seconds(again.ms)} s, ${again.lines} lines added`);
  console.log(`    raw insert ... select copy of the events:            ${seconds(copyMs)} s`);
  console.log(`    raw insert ... select into a ledger-shaped table:     ${seconds(ledgerCopyMs)} s (same indexes as points_ledger)`);
  console.log(`    the same over 2 connections (as the recomputation):   ${seconds(parallelMs)} s; from an empty ledger is ${(first.ms / parallelMs).toFixed(1)}x that`);
}

try {
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
  if (only !== 'recompute') await benchIngestion();
  if (only !== 'ingestion') await benchRecompute();
  const load = (await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ');
  console.log(`total ${seconds(performance.now() - runStarted)} s; load average ${load} on ${(await import('node:os')).cpus().length} cores (a shared machine: compare within the run)`);
} finally {
  clearTimeout(deadline);
  await db.end();
  await postgres.stop();
  await rm(dir, { recursive: true, force: true });
}
