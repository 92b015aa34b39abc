import type { Consumer } from '../../kernel/capability.ts';
import { InvalidPayload } from '../../kernel/errors.ts';
import { issuesOf } from '../../kernel/validation.ts';
import { autopostRow } from '../../schemas/events/autoposts.ts';
import { nocodbRowPayload } from '../../schemas/events/identity.ts';
import { mirrorPost } from './posts-store.ts';

export const AUTOPOST_TOPICS: readonly string[] = ['insert', 'update', 'delete'].map((op) => `nocodb.autoposts.${op}`);

/**
 * Staff's edits of Autoposts rows (webhook and sweep, the same keys) mirrored in the
 * worker's transaction: the time and Cancelled of a post not yet begun, Cancelled or a
 * deletion of one being sent. The round's own poll and its read of the row before sending
 * cover a webhook that never came.
 */
export function autopostsConsumer(): Consumer {
  return {
    name: 'autoposts',
    topics: AUTOPOST_TOPICS,
    async handle(event, { tx }) {
      const payload = nocodbRowPayload.safeParse(event.payload);
      if (!payload.success) throw new InvalidPayload(issuesOf(payload.error), 'NocoDB row event is not valid');
      const row = autopostRow.safeParse(payload.data.row);
      if (!row.success) throw new InvalidPayload(issuesOf(row.error), 'Autoposts row is not valid');
      await mirrorPost(tx, {
        id: row.data.Id, title: row.data.Title, sendAt: row.data.SendAt, cancelled: row.data.Cancelled, deleted: payload.data.operation === 'delete',
      });
    },
  };
}
