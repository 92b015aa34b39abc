/**
 * Benchmark (not a test) of the points capability, beside raw PostgreSQL in the same run.
 *   node --import tsx scripts/bench/points.ts [--events 20000] [--people 10000] [--recompute-events 1000000]
 *   (or: node scripts/run.mjs bench points)
 * (a) ingestion: events through the batch path (acceptEvents + processBatch of the points
 *     consumer, batches of 1000) in events/s, beside a batched `insert ... on conflict do
 *     nothing` of the same inbox rows into a scratch table with 4 clients;
 * (b) recomputation: 1,000,000 events of 10,000 people from an empty ledger, and again
 *     after every rule changed (each line reversed and re-added), beside a raw
 *     `insert ... select` copy of the same rows.
 * Starts its own embedded PostgreSQL in .data/bench and removes it at the end.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { PoolClient } from 'pg';
import { register } from '../../extensions/points/index.ts';
import { migrate } from '../../service/db/migrate.ts';
import { createPool, inTransaction } from '../../service/db/pool.ts';
import { acceptEvents, type NewInboxEvent } from '../../service/inbox/accept.ts';
import { processBatch } from '../../service/inbox/worker.ts';
import { createLogger } from '../../service/log.ts';
import { ensureDatabase, startEmbeddedPostgres } from '../../service/stack/postgres.ts';
import { scheduleRecompute } from '../../extensions/points/recompute.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) || fallback : fallback;
};
const INGEST_EVENTS = arg('events', 6_000);
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
  process.stderr.write('benchmark took longer than 170 s; stopping\n');
  void postgres.stop().finally(() => process.exit(2));
}, 170_000);
await ensureDatabase(postgres.url, 'bench');
const db = createPool(postgres.urlFor('bench'), 12);
await migrate(db, log);

const points = register({ db, log, clock: () => new Date(), guard: () => (_req, _res, next) => next(), defaultTimeZone: 'Europe/Moscow' });
const consumer = points.consumers![0]!;
const routing = (topic: string) => (consumer.accepts(topic) ? [consumer.name] : []);
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
  const r = await processBatch({ db, log, maxAttempts: 3 }, consumer, await pendingIds(100));
  if (r.failed) throw new Error('rule change failed');
}

// ---- (a) ingestion ------------------------------------------------------------------

function ingestionEvents(people: string[]): NewInboxEvent[] {
  const start = Date.now() - 7 * 86_400_000;
  return Array.from({ length: INGEST_EVENTS }, (_, i) => {
    const p = i % people.length;
    const at = new Date(start + ((i * 7919) % (7 * 86_400)) * 1000).toISOString();
    if (i % 5 === 0) {
      return { source: 'discourse', deliveryId: `post-${i}`, topic: 'discourse.post_created', payload: { post: {
        id: i, topic_id: 1, user_id: p + 1, username: `user${p}`, post_type: 1, raw: 'Системное мышление: заметка '.repeat(1 + (i % 7)), created_at: at, updated_at: at,
      } } };
    }
    const kind = i % 5 === 1 ? 'ai_question' : 'reading_heartbeat';
    return { source: 'collector', deliveryId: `c-${i}`, topic: `collector.${kind}`, payload: {
      key: `c-${i}`, kind, person_id: people[p], occurred_at: at, measures: kind === 'reading_heartbeat' ? { seconds: 30 } : {}, refs: { guide: 'intro' },
    } };
  });
}

async function rawCeiling(events: NewInboxEvent[]): Promise<number> {
  await db.query(`create table bench_raw (like inbox_event including all)`);
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 4 }, async () => {
    const client = await db.connect();
    try {
      for (let b = next++; b * BATCH < events.length; b = next++) {
        const batch = events.slice(b * BATCH, (b + 1) * BATCH);
        await client.query(`insert into bench_raw (source, delivery_id, topic, payload)
          select * from unnest($1::text[], $2::text[], $3::text[], $4::jsonb[]) on conflict (source, delivery_id) do nothing`,
        [batch.map((e) => e.source), batch.map((e) => e.deliveryId), batch.map((e) => e.topic), batch.map((e) => JSON.stringify(e.payload))]);
      }
    } finally {
      client.release();
    }
  }));
  return performance.now() - started;
}

async function ingest(events: NewInboxEvent[], workers: number): Promise<{ ms: number; failed: number }> {
  const started = performance.now();
  let failed = 0;
  let next = 0;
  // Batches are accepted and handled in order, `workers` at a time, as the bull workers would.
  await Promise.all(Array.from({ length: workers }, async () => {
    for (let b = next++; b * BATCH < events.length; b = next++) {
      const batch = events.slice(b * BATCH, (b + 1) * BATCH);
      await acceptEvents(db, routing, batch);
      const { rows } = await db.query<{ id: string }>(`select j.event_id::text as id from inbox_job j join inbox_event e on e.id = j.event_id
        where j.consumer = 'points' and e.delivery_id = any($1::text[])`, [batch.map((e) => e.deliveryId)]);
      const r = await processBatch({ db, log, maxAttempts: 100 }, consumer, rows.map((x) => x.id));
      failed += r.failed;
    }
  }));
  // Events that failed (a deadlock between two batches of the same people) are retried, as the worker would.
  for (let ids = await pendingIds(BATCH); ids.length; ids = await pendingIds(BATCH)) {
    await db.query(`update inbox_job set next_attempt_at = now() where consumer = 'points' and status = 'pending'`);
    await processBatch({ db, log, maxAttempts: 100 }, consumer, ids);
  }
  return { ms: performance.now() - started, failed };
}

async function benchIngestion(): Promise<void> {
  const people = Array.from({ length: INGEST_PEOPLE }, () => randomUUID());
  await db.query(`insert into points_person (person_id, time_zone) select p, 'Europe/Moscow' from unnest($1::uuid[]) p`, [people]);
  await db.query(`insert into points_person_alias (source, external_id, person_id) select 'discourse_user', (n)::text, p
    from unnest($1::uuid[]) with ordinality as t(p, n)`, [people]);
  await setRules(2);
  const events = ingestionEvents(people);
  const ceilingMs = await rawCeiling(events);
  const half = events.length / 2;
  const one = await ingest(events.slice(0, half), 1);
  const two = await ingest(events.slice(half), 2);
  const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from points_event`);
  if (rows[0]!.n !== events.length) throw new Error(`expected ${events.length} events counted, found ${rows[0]!.n}`);
  const ceiling = events.length / (ceilingMs / 1000);
  console.log(`(a) ingestion, ${events.length.toLocaleString('en')} events of ${INGEST_PEOPLE} people (60% reading heartbeats, 20% AI questions, 20% club posts)`);
  console.log(`    raw PostgreSQL ceiling (insert on conflict do nothing, batches of 1000, 4 clients): ${rate(events.length, ceilingMs)} rows/s`);
  for (const [label, r] of [['1 worker ', one], ['2 workers', two]] as const) {
    const eps = half / (r.ms / 1000);
    console.log(`    points consumer, ${label} (accept + processBatch): ${rate(half, r.ms)} events/s = ${(eps / ceiling * 100).toFixed(1)}% of the ceiling (1:${Math.round(ceiling / eps)}); first-try failures ${r.failed}`);
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
  const again = performance.now() - runStarted < 110_000 ? await timedRecompute('bench: nothing changed') : undefined;

  const copyStart = performance.now();
  await db.query(`create table bench_copy (like points_event)`);
  await db.query(`insert into bench_copy select * from points_event`);
  const copyMs = performance.now() - copyStart;
  const ledgerCopyStart = performance.now();
  await db.query(`create table bench_ledger_copy (like points_ledger including defaults including indexes)`);
  await db.query(`insert into bench_ledger_copy (event_id, person_id, role, kind, day, points, actions, characters, seconds)
    select id, person_id, 'own', kind, day, 1, 1, coalesce(characters, 0), coalesce(seconds, 0) from points_event`);
  const ledgerCopyMs = performance.now() - ledgerCopyStart;

  console.log(`(b) recomputation, ${RECOMPUTE_EVENTS.toLocaleString('en')} events of ${RECOMPUTE_PEOPLE.toLocaleString('en')} people (generated in ${seconds(generated)} s), 2 connections, ${2 * Math.ceil(RECOMPUTE_PEOPLE / 4000)} chunks of people`);
  console.log(`    from an empty ledger:       ${seconds(first.ms)} s, ${first.lines.toLocaleString('en')} lines added`);
  console.log(`    after every rule changed:   ${seconds(second.ms)} s, ${second.lines.toLocaleString('en')} lines added (reversal + new line per event)`);
  if (again) console.log(`    again, nothing to change:   ${seconds(again.ms)} s, ${again.lines} lines added`);
  console.log(`    raw insert ... select copy of the events:            ${seconds(copyMs)} s`);
  console.log(`    raw insert ... select into a ledger-shaped table:     ${seconds(ledgerCopyMs)} s (same indexes as points_ledger)`);
}

try {
  await benchIngestion();
  await benchRecompute();
  const load = (await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ');
  console.log(`total ${seconds(performance.now() - runStarted)} s; load average ${load} on ${(await import('node:os')).cpus().length} cores (a shared machine: compare within the run)`);
} finally {
  clearTimeout(deadline);
  await db.end();
  await postgres.stop();
  await rm(dir, { recursive: true, force: true });
}
