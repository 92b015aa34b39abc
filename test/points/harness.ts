import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { register, type PointsCapability } from '../../extensions/points/index.ts';
import type { Consumer } from '../../kernel/capability.ts';
import { isAppError } from '../../kernel/errors.ts';
import { acceptEvents } from '../../service/inbox/accept.ts';
import { processBatch, type BatchResult } from '../../service/inbox/worker.ts';
import { freshDatabase, testLog, type TestDatabase } from '../support/stack.ts';

/**
 * Points on a real PostgreSQL, driven the way the service drives it: deliveries go
 * through acceptEvents, and the points consumer handles them in processBatch
 * transactions. The clock is the test's.
 */
export interface Delivery {
  topic: string;
  payload: unknown;
  deliveryId?: string;
}

export interface PointsHarness {
  db: TestDatabase;
  points: PointsCapability;
  consumer: Consumer;
  clock: { now: Date };
  deliver(deliveries: Delivery[]): Promise<BatchResult>;
  /** Upserts a rule in NocoDB's points_rules (as its webhook would) and runs the recomputation. */
  rule(row: Record<string, unknown> & { Id: number }, operation?: 'insert' | 'update' | 'delete'): Promise<void>;
  registerPerson(opts: { id?: string; email?: string; telegramId?: number; referralCode?: string; timeZone?: string; name?: string }): Promise<string>;
  balance(personId: string): Promise<number>;
  lines(personId: string): Promise<{ id: string; points: number; kind: string; day: string; note: string | null; compensates: string | null; role: string; rule_version: number | null; recompute_id: string | null }[]>;
  /** Starts an HTTP server with the routes mounted at /api/points behind a pass-through guard. */
  http(): Promise<{ url: string; close(): Promise<void>; guarded: string[] }>;
}

export async function pointsHarness(label: string, opts: { defaultTimeZone?: string; batchIngestion?: boolean } = {}): Promise<PointsHarness> {
  const db = await freshDatabase(label);
  const clock = { now: new Date('2025-03-03T12:00:00Z') };
  const guarded: string[] = [];
  const points = register({
    db: db.pool, log: testLog, clock: () => clock.now, defaultTimeZone: opts.defaultTimeZone ?? 'UTC', batchIngestion: opts.batchIngestion,
    guard: (relation, object) => (req, _res, next) => {
      guarded.push(`${object(req)}#${relation}`);
      next();
    },
  });
  const consumer = points.consumers![0]!;
  const routing = (topic: string) => (consumer.accepts(topic) ? [consumer.name] : []);
  let sequence = 0;

  const deliver = async (deliveries: Delivery[]): Promise<BatchResult> => {
    await acceptEvents(db.pool, routing, deliveries.map((d) => ({
      source: d.topic.split('.')[0]!, deliveryId: d.deliveryId ?? `d-${++sequence}-${randomUUID()}`, topic: d.topic, payload: d.payload,
    })));
    const { rows } = await db.pool.query<{ id: string }>(`select event_id::text as id from inbox_job where consumer = 'points' and status = 'pending' order by event_id`);
    const total: BatchResult = { done: 0, failed: 0 };
    for (let i = 0; i < rows.length; i += 1000) {
      const r = await processBatch({ db: db.pool, log: testLog, maxAttempts: 3 }, consumer, rows.slice(i, i + 1000).map((r) => r.id));
      total.done += r.done;
      total.failed += r.failed;
    }
    return total;
  };

  const lastError = async () => (await db.pool.query(`select last_error from inbox_job where last_error is not null order by event_id desc limit 1`)).rows[0]?.last_error;

  return {
    db, points, consumer, clock, deliver,
    async rule(row, operation = 'update') {
      const r = await deliver([{ topic: `nocodb.points_rules.${operation}`, payload: { table: 'points_rules', row: { UpdatedAt: clock.now.toISOString(), ...row } } }]);
      if (r.failed) throw new Error(`rule change failed: ${await lastError()}`);
      await points.recomputeNow();
    },
    async registerPerson(p) {
      const id = p.id ?? randomUUID();
      const r = await deliver([{
        topic: 'kratos.registration',
        payload: {
          identity: {
            id,
            traits: {
              email: p.email ?? `${id}@school.test`, ...(p.telegramId ? { telegram: { id: p.telegramId } } : {}),
              ...(p.timeZone ? { time_zone: p.timeZone } : {}), ...(p.name ? { name: { first: p.name } } : {}),
            },
            metadata_public: p.referralCode ? { referral_code: p.referralCode } : null,
          },
          flow_id: randomUUID(),
        },
      }]);
      if (r.failed) throw new Error(`registration failed: ${await lastError()}`);
      return id;
    },
    async balance(personId) {
      const { rows } = await db.pool.query<{ b: number }>('select coalesce(sum(points), 0)::int as b from points_ledger where person_id = $1', [personId]);
      return rows[0]!.b;
    },
    async lines(personId) {
      const { rows } = await db.pool.query(`select id::text, points, kind, to_char(day, 'YYYY-MM-DD') as day, note, compensates::text, role, rule_version, recompute_id::text
        from points_ledger where person_id = $1 order by id`, [personId]);
      return rows;
    },
    async http() {
      const app = express();
      const router = express.Router();
      points.routes!(router);
      app.use('/api/points', router);
      app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
        if (isAppError(err)) res.status(err.status).json({ error: { code: err.code, message: err.message, details: err.details } });
        else res.status(500).json({ error: { code: 'INTERNAL', message: String(err) } });
      });
      const server = app.listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/points`;
      return { url, guarded, close: () => new Promise<void>((r) => server.close(() => r())) };
    },
  };
}

/** Discourse's post webhook body. */
export function discoursePost(p: { id: number; userId: number; username: string; raw: string; createdAt: string; updatedAt?: string; deletedAt?: string }) {
  return {
    post: {
      id: p.id, topic_id: 1, user_id: p.userId, username: p.username, raw: p.raw, post_number: 2, post_type: 1,
      created_at: p.createdAt, updated_at: p.updatedAt ?? p.createdAt, deleted_at: p.deletedAt ?? null,
    },
  };
}

/** A collector event in the collector's wire form. */
export function collected(personId: string, kind: string, key: string, occurredAt: string, measures: Record<string, number> = {}, timeZone?: string) {
  return { topic: `collector.${kind}`, payload: { key, kind, person_id: personId, occurred_at: occurredAt, measures, ...(timeZone ? { time_zone: timeZone } : {}) } };
}

export const text = (n: number) => 'x'.repeat(n);
