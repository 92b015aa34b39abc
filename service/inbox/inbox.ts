import type pg from 'pg';
import { eventKey, insertEvents, type AcceptResult, type NewInboxEvent, type Routing } from './accept.ts';

import type { Inbox } from '../../kernel/inbox.ts';
import { AppError } from '../../kernel/errors.ts';

export type { Inbox };

interface Waiting {
  events: NewInboxEvent[];
  resolve: (r: AcceptResult) => void;
  reject: (e: unknown) => void;
}

const MAX_GROUP = 5000;

/**
 * Group commit: requests that arrive while an insert is in flight wait for it and are then
 * written together in one statement and one transaction. A request is answered only
 * after its events are committed; if the statement fails, every request in it fails and
 * nothing of it is stored. One request alone goes straight through.
 */
export function createInbox(deps: { db: pg.Pool; routing: Routing; onAccepted?: () => void; maxInFlight?: number; maxWaitingEvents?: number }): Inbox {
  const queue: Waiting[] = [];
  // Deliveries waiting for their insert are memory: past this many events a sender is told
  // to come back (503 with Retry-After), which every sender here does, instead of the process
  // growing until it falls over.
  const maxWaiting = deps.maxWaitingEvents ?? 50_000;
  let waiting = 0;
  let inFlight = 0;
  const maxInFlight = deps.maxInFlight ?? 2;

  async function flush(): Promise<void> {
    if (inFlight >= maxInFlight || queue.length === 0) return;
    const group: Waiting[] = [];
    let size = 0;
    while (queue.length && (size === 0 || size + queue[0]!.events.length <= MAX_GROUP)) {
      const w = queue.shift()!;
      group.push(w);
      size += w.events.length;
    }
    waiting -= size;
    inFlight += 1;
    try {
      const inserted = await insertEvents(deps.db, deps.routing, group.flatMap((w) => w.events));
      // A key repeated across the group counts as accepted once, for the first request.
      for (const w of group) {
        let accepted = 0;
        for (const e of w.events) if (inserted.delete(eventKey(e))) accepted += 1;
        w.resolve({ accepted, duplicates: w.events.length - accepted });
      }
      deps.onAccepted?.();
    } catch (e) {
      for (const w of group) w.reject(e);
    } finally {
      inFlight -= 1;
      void flush();
    }
  }

  return {
    accept(events) {
      if (events.length === 0) return Promise.resolve({ accepted: 0, duplicates: 0 });
      if (waiting > 0 && waiting + events.length > maxWaiting) {
        return Promise.reject(new AppError('INBOX_BUSY', 503, 'the inbox is busy: send it again shortly', { retryAfterSeconds: 5 }));
      }
      waiting += events.length;
      return new Promise<AcceptResult>((resolve, reject) => {
        queue.push({ events, resolve, reject });
        void flush();
      });
    },
  };
}

export type { NewInboxEvent, AcceptResult };
