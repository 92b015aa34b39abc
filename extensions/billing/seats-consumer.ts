import type { Consumer } from '../../kernel/capability.ts';
import { InvalidPayload } from '../../kernel/errors.ts';
import { issuesOf } from '../../kernel/validation.ts';
import type { NocoRows } from '../../nocodb/client.ts';
import type { NocoLinks } from '../../nocodb/links.ts';
import { billingSeatTables, seatAssignmentRow, seatPackRow } from '../../schemas/nocodb/billing-seats.ts';
import { nocodbRowPayload } from '../../schemas/events/identity.ts';
import { localDay } from './days.ts';
import type { PoolClient } from 'pg';
import type { HookOperation } from '../../schemas/nocodb/define.ts';
import type { SeatAssignmentRow } from '../../schemas/nocodb/billing-seats.ts';
import { applyAssignment, applyPack, type SeatResult } from './seats.ts';

export const SEAT_TOPICS: readonly string[] = billingSeatTables.flatMap((t) => ['insert', 'update', 'delete'].map((op) => `nocodb.${t.key}.${op}`));

export interface SeatsConsumerDeps {
  nocodb: NocoRows;
  links: NocoLinks;
  clock: () => Date;
  timeZone: string;
}

const parsed = <T>(result: { success: true; data: T } | { success: false; error: import('zod').ZodError }, what: string): T => {
  if (!result.success) throw new InvalidPayload(issuesOf(result.error), `${what} row is not valid`);
  return result.data;
};

/** One row by id as NocoDB has it now; null when it is gone. */
async function rowNow(nocodb: NocoRows, key: string, id: number, fields?: string) {
  return (await nocodb.list(key, { where: `(Id,eq,${id})`, limit: 1, fields }))[0] ?? null;
}

const planLinksOf = async (links: NocoLinks, packId: number) => (await links.list('seat_packs', 'Plan', packId, ['Id'])).map((p) => Number(p.Id));

/**
 * A Seat assignments row applied with its pack and person as NocoDB has them now (the pack
 * mirrored first, under the same locks): the one path of staff's rows and of the
 * organisation's contact (seat-contact.ts).
 */
export async function applyAssignmentNow(
  tx: PoolClient, deps: Pick<SeatsConsumerDeps, 'nocodb' | 'links'>, op: HookOperation, assignment: SeatAssignmentRow, today: string, now: Date,
): Promise<SeatResult> {
  const [packNow, person] = await Promise.all([
    assignment.seat_packs_id ? rowNow(deps.nocodb, 'seat_packs', assignment.seat_packs_id) : null,
    assignment.people_id && op !== 'delete' ? rowNow(deps.nocodb, 'people', assignment.people_id, 'Id,IdentityId') : null,
  ]);
  const pack = packNow ? { row: parsed(seatPackRow.safeParse(packNow), 'Seat packs'), planIds: await planLinksOf(deps.links, packNow.Id) } : undefined;
  const personId = typeof person?.IdentityId === 'string' && person.IdentityId.trim() ? person.IdentityId.trim() : null;
  return applyAssignment(tx, { op, row: assignment, personId, pack, today, now });
}

/**
 * Staff's NocoDB edits of seat packs and seat assignments, applied in the worker's
 * transaction. It reads NocoDB while that is open (a pack's plan, an assignment's pack and
 * person), so it runs on the pool for outside calls. An assignment mirrors its pack as
 * NocoDB has it now first: a plan linked later (no webhook) or a pack whose own event is
 * behind counts at once.
 */
export function seatsConsumer(deps: SeatsConsumerDeps): Consumer {
  return {
    name: 'billing.seats',
    topics: SEAT_TOPICS,
    callsOut: true,
    async handle(event, { tx, log }) {
      const payload = parsed(nocodbRowPayload.safeParse(event.payload), 'NocoDB row event');
      const { table, operation: op, row } = payload;
      const now = deps.clock();
      const today = localDay(now, deps.timeZone);
      if (table === 'seat_packs') {
        const pack = parsed(seatPackRow.safeParse(row), 'Seat packs');
        const planIds = op === 'delete' ? [] : await planLinksOf(deps.links, pack.Id);
        const result = await applyPack(tx, { op, row: pack, planIds, today });
        log.info({ component: 'billing', seatPack: pack.Id, ...result }, 'seat pack applied');
        return;
      }
      if (table !== 'seat_assignments') return;
      const assignment = parsed(seatAssignmentRow.safeParse(row), 'Seat assignments');
      const result = await applyAssignmentNow(tx, deps, op, assignment, today, now);
      const refused = result.outcome.startsWith('refused');
      log[refused ? 'warn' : 'info']({ component: 'billing', seatAssignment: assignment.Id, outcome: result.outcome }, refused ? 'seat not given' : 'seat assignment applied');
    },
  };
}
