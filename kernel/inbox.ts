/** What receivers hand to the inbox and what it answers (the implementation is service/inbox/). */
export interface NewInboxEvent {
  source: string;
  deliveryId: string;
  topic: string;
  payload: unknown;
}

export interface AcceptResult {
  accepted: number;
  duplicates: number;
}

/** What hooks see of the inbox: accept deliveries; dispatching happens behind it. */
export interface Inbox {
  accept(events: NewInboxEvent[]): Promise<AcceptResult>;
}

/** Which consumers take which topics: built from the registered capabilities. */
export type Routing = (topic: string) => string[];
