/**
 * Helpers of the check-flow tests: deliver an answers event through the real inbox
 * (accept + the batch worker), and read back what the capability stored.
 */
import { acceptEvents } from '../../../service/inbox/accept.ts';
import { processBatch } from '../../../service/inbox/worker.ts';
import { testLog } from '../../support/stack.ts';
import type { CheckRow } from '../../../extensions/ai-check/checks-store.ts';
import type { Harness } from './harness.ts';
import { topicRegistry } from '../../../schemas/topics.ts';
import { rowEvent } from '../../../hooks/nocodb.ts';
import { answers } from '../../../schemas/nocodb/workbooks.ts';

const topics = topicRegistry();

let deliveries = 0;

export interface AnswerRowPayload {
  Id: number;
  Student: string;
  Exercise: string;
  Answer: string;
  Status: string;
}

/** A NocoDB answers webhook, through the inbox to the capability's consumer, as the worker runs it. */
export async function deliverAnswerEvent(h: Harness, row: AnswerRowPayload, previous?: Partial<AnswerRowPayload>, topic = previous ? 'nocodb.answers.update' : 'nocodb.answers.insert'): Promise<void> {
  const consumer = h.capability.consumers![0]!;
  const routing = (t: string) => (consumer.topics.includes(t) ? [consumer.name] : []);
  const deliveryId = `delivery-${++deliveries}`;
  // Exactly what hooks/nocodb.ts stores for a row of a NocoDB delivery.
  const stored = rowEvent(answers, 'tbl_answers', {
    operation: topic.endsWith('.update') ? 'update' : 'insert', row: { ...row, UpdatedAt: new Date().toISOString() }, previous, via: 'webhook',
  });
  await acceptEvents(h.db.pool, routing, [{ ...stored, deliveryId, topic }]);
  const { rows } = await h.db.pool.query<{ id: string }>('select id::text from inbox_event where delivery_id = $1', [deliveryId]);
  const result = await processBatch({ db: h.db.pool, log: testLog, maxAttempts: 3, topics }, consumer, rows.map((r) => r.id));
  if (result.invalid) throw new Error(`the answer event was marked invalid`);
  if (result.failed) {
    const { rows: jobs } = await h.db.pool.query('select last_error from inbox_job where event_id = $1', [rows[0]!.id]);
    throw new Error(`the consumer failed: ${jobs[0]?.last_error}`);
  }
}

export async function checkOf(h: Harness, answerId: string): Promise<CheckRow> {
  const { rows } = await h.db.pool.query<CheckRow>(`select id::text, status, reason, ai_verdict, final_verdict, used_chunks, model_calls,
      prompt_tokens, completion_tokens, cost_micros::float8 as cost_micros, currency, cached_from::text, attempts, written_back_at
    from ai_check where answer_id = $1 order by id desc limit 1`, [answerId]);
  if (!rows[0]) throw new Error(`no check of answer ${answerId}`);
  return rows[0];
}

export async function answerRow(h: Harness, id: string) {
  const { rows } = await h.db.pool.query('select status, ai_verdict, mentor_verdict from test_answers where id = $1', [id]);
  return rows[0] as { status: string; ai_verdict: any; mentor_verdict: any };
}

export async function outboxOf(h: Harness, recipient: string) {
  const { rows } = await h.db.pool.query(`select channel, status, subject, body, provider_message_id from ai_outbox where recipient = $1 order by id`, [recipient]);
  return rows as { channel: string; status: string; subject: string; body: string; provider_message_id: string | null }[];
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Drains until the predicate holds (retries wait for their backoff), or fails after `ms`. */
export async function drainUntil(h: Harness, done: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    await h.capability.drain();
    if (await done()) return;
    if (Date.now() > until) throw new Error('condition not reached while draining');
    await sleep(50);
  }
}
