import type pg from 'pg';
import { acceptEvents, type AcceptResult, type NewInboxEvent, type Routing } from './accept.ts';

/** What hooks see of the inbox: accept deliveries; dispatching happens behind it. */
export interface Inbox {
  accept(events: NewInboxEvent[]): Promise<AcceptResult>;
}

export function createInbox(deps: { db: pg.Pool; routing: Routing; onAccepted?: () => void }): Inbox {
  return {
    async accept(events) {
      const result = await acceptEvents(deps.db, deps.routing, events);
      if (result.accepted > 0) deps.onAccepted?.();
      return result;
    },
  };
}

export type { NewInboxEvent, AcceptResult };
