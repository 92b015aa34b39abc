import type { PoolClient } from 'pg';
import type { HookOperation } from '../../schemas/nocodb/define.ts';
import type { SeatAssignmentRow, SeatPackRow } from '../../schemas/nocodb/billing-seats.ts';
import { planById } from './catalog-store.ts';
import { openSubscription, subscriptionBySource, transition, type Subscription } from './subscriptions-store.ts';

/**
 * Corporate seats (0504): an organisation's pack of N seats of one plan for a period, and
 * staff's assignments of them. Each seat held is a subscription (source
 * `seat:<pack>:<assignment row>`, the pack's kind and dates, the plan's product); freeing one
 * cancels it, and the seat can be given again. Never more holders than seats: an assignment
 * takes the pack's row lock and counts its holders in its transaction, so assignments of one
 * pack are applied one after another whatever the number of workers. Lowering Seats below
 * the holders keeps them; new assignments are refused until they are fewer than Seats.
 * Nothing is booked in the ledger: a corporate pack is invoiced to the organisation outside
 * the service for now (the payments work will sell packs), a free one costs nobody a price.
 */
export type SeatOutcome = 'assigned' | 'changed' | 'freed' | 'unchanged' | `refused: ${string}`;

export interface SeatPack {
  id: number; organisation: string | null; seats: number | null; planId: number | null; kind: 'corporate' | 'free corporate' | null;
  startsOn: string | null; endsOn: string | null; reason: string | null; problem: string | null; deleted: boolean; rowUpdatedAt: Date;
}

interface Assignment { rowId: number; packId: number | null; personId: string | null; holds: boolean; deleted: boolean; rowUpdatedAt: Date }

// --- the rules (pure) ---

/** Why a pack gives no new seats, or null. `held`: how many hold it with each plan and kind. */
export function packProblem(
  p: Pick<SeatPack, 'organisation' | 'seats' | 'kind' | 'reason' | 'startsOn' | 'endsOn' | 'planId'>,
  linkedPlans: number,
  held: { planId: number; kind: string; holders: number }[],
): string | null {
  if (!p.organisation) return 'it needs an Organisation';
  if (p.seats === null || p.seats < 0) return 'Seats must be a number, 0 or more';
  if (!p.kind) return 'choose a Kind (corporate or free corporate)';
  if (!p.reason) return 'it needs a Reason (the contract or invoice, or why it is free)';
  if (!p.startsOn || !p.endsOn) return 'it needs StartsOn and EndsOn';
  if (p.endsOn < p.startsOn) return 'EndsOn is before StartsOn';
  if (linkedPlans !== 1) return linkedPlans === 0 ? 'link a plan' : `link exactly one plan (${linkedPlans} are linked)`;
  if (held.some((h) => h.planId !== p.planId || h.kind !== p.kind)) {
    const holders = held.reduce((n, h) => n + h.holders, 0);
    return `its plan and kind stay as they were while seats are held (${holders}): free them first, or make a new pack`;
  }
  return null;
}

/** Why a new seat of `pack` cannot be given on `today` with `taken` seats held, or null. */
export function newSeatRefusal(pack: Pick<SeatPack, 'problem' | 'endsOn' | 'seats'>, today: string, taken: number): `refused: ${string}` | null {
  if (pack.problem) return `refused: the seat pack gives no new seats: ${pack.problem}`;
  if (pack.endsOn && pack.endsOn < today) return `refused: the seat pack ended on ${pack.endsOn}`;
  if (taken >= (pack.seats ?? 0)) return `refused: no free seat (${taken} of ${pack.seats ?? 0} taken)`;
  return null;
}

// --- the store ---

const stampOf = (row: { UpdatedAt?: string | null; CreatedAt?: string | null }) => row.UpdatedAt ?? row.CreatedAt ?? null;
const timeOf = (v: string | null) => (v ? new Date(v.replace(' ', 'T')) : new Date(0));
const sourceOf = (packId: number, rowId: number) => `seat:${packId}:${rowId}`;
const actorOf = (rowId: number) => `staff:nocodb:seat_assignments:${rowId}`;

const PACK_COLUMNS = `id, organisation, seats, plan_id, kind, to_char(starts_on, 'YYYY-MM-DD') as starts_on, to_char(ends_on, 'YYYY-MM-DD') as ends_on,
  reason, problem, deleted, row_updated_at`;

/** Locks the packs in id order (every path takes them so: no deadlock between two packs). */
async function lockPacks(tx: PoolClient, ids: (number | null | undefined)[]): Promise<Map<number, SeatPack>> {
  const wanted = [...new Set(ids.filter((id): id is number => typeof id === 'number'))];
  const { rows } = await tx.query(`select ${PACK_COLUMNS} from billing_seat_pack where id = any($1::int[]) order by id for update`, [wanted]);
  return new Map(rows.map((r) => [r.id as number, {
    id: r.id, organisation: r.organisation, seats: r.seats, planId: r.plan_id, kind: r.kind, startsOn: r.starts_on, endsOn: r.ends_on,
    reason: r.reason, problem: r.problem, deleted: r.deleted, rowUpdatedAt: r.row_updated_at,
  } satisfies SeatPack]));
}

async function assignmentById(tx: PoolClient, rowId: number): Promise<Assignment | null> {
  const { rows } = await tx.query(
    'select row_id, pack_id, person_id, holds, deleted, row_updated_at from billing_seat_assignment where row_id = $1 for update', [rowId]);
  const r = rows[0];
  return r ? { rowId: r.row_id, packId: r.pack_id, personId: r.person_id, holds: r.holds, deleted: r.deleted, rowUpdatedAt: r.row_updated_at } : null;
}

/** How many hold the pack with each plan and kind. */
async function heldAs(tx: PoolClient, packId: number): Promise<{ planId: number; kind: string; holders: number }[]> {
  const { rows } = await tx.query<{ plan_id: number; kind: string; holders: number }>(
    `select s.plan_id, s.kind, count(*)::int as holders from billing_seat_assignment a join billing_subscription s on s.id = a.subscription_id
     where a.pack_id = $1 and a.holds group by 1, 2`, [packId]);
  return rows.map((r) => ({ planId: r.plan_id, kind: r.kind, holders: r.holders }));
}

/** The pack's holders with their subscriptions (locked: the pack's lock is taken first). */
async function holdersOf(tx: PoolClient, packId: number): Promise<{ rowId: number; subscription: Subscription }[]> {
  const { rows } = await tx.query<{ row_id: number }>('select row_id from billing_seat_assignment where pack_id = $1 and holds order by row_id for update', [packId]);
  const out: { rowId: number; subscription: Subscription }[] = [];
  for (const r of rows) {
    const subscription = await subscriptionBySource(tx, sourceOf(packId, r.row_id), true);
    if (subscription) out.push({ rowId: r.row_id, subscription });
  }
  return out;
}

async function cancelSeat(tx: PoolClient, packId: number, rowId: number, change: { cause: string; key: string; actor?: string }): Promise<void> {
  const subscription = await subscriptionBySource(tx, sourceOf(packId, rowId), true);
  if (subscription && subscription.status !== 'cancelled') await transition(tx, subscription, { status: 'cancelled' }, { actor: actorOf(rowId), ...change });
}

export interface PackInput {
  op: HookOperation;
  row: SeatPackRow;
  /** The Plans rows linked to it now (read from NocoDB: a link fires no webhook). */
  planIds: number[];
  today: string;
}

/**
 * Mirrors a Seat packs row and applies it to its holders: they follow its dates; a deleted
 * pack frees them all. A row older than the one mirrored changes nothing.
 */
export async function applyPack(tx: PoolClient, p: PackInput): Promise<{ state: string; moved: number; freed: number }> {
  const { row } = p;
  const current = (await lockPacks(tx, [row.Id])).get(row.Id);
  const stamp = stampOf(row);
  if (current && (current.deleted || (p.op !== 'delete' && timeOf(stamp) < current.rowUpdatedAt))) return { state: 'unchanged', moved: 0, freed: 0 };
  const key = (what: string, rowId: number) => `${sourceOf(row.Id, rowId)}:${what}:${stamp ?? 'first'}`;

  if (p.op === 'delete') {
    const holders = await holdersOf(tx, row.Id);
    for (const h of holders) {
      await cancelSeat(tx, row.Id, h.rowId, { cause: 'its seat pack was deleted in NocoDB', key: key('pack-deleted', h.rowId), actor: `staff:nocodb:seat_packs:${row.Id}` });
      await tx.query(`update billing_seat_assignment set holds = false, outcome = 'freed: the seat pack was deleted', updated_at = now() where row_id = $1`, [h.rowId]);
    }
    await tx.query(`insert into billing_seat_pack (id, deleted, row_updated_at) values ($1, true, $2)
      on conflict (id) do update set deleted = true, updated_at = now()`, [row.Id, timeOf(stamp)]);
    return { state: 'deleted', moved: 0, freed: holders.length };
  }

  const pack = {
    organisation: row.Organisation, seats: row.Seats, kind: row.Kind, reason: row.Reason, startsOn: row.StartsOn, endsOn: row.EndsOn,
    planId: p.planIds.length === 1 ? p.planIds[0]! : null,
  };
  const problem = packProblem(pack, p.planIds.length, await heldAs(tx, row.Id));
  await tx.query(
    `insert into billing_seat_pack (id, organisation, seats, plan_id, kind, starts_on, ends_on, reason, note, problem, row_updated_at, contact)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     on conflict (id) do update set organisation = excluded.organisation, seats = excluded.seats, plan_id = excluded.plan_id, kind = excluded.kind,
       starts_on = excluded.starts_on, ends_on = excluded.ends_on, reason = excluded.reason, note = excluded.note, problem = excluded.problem,
       row_updated_at = excluded.row_updated_at, contact = excluded.contact, updated_at = now()`,
    [row.Id, pack.organisation, pack.seats, pack.planId, pack.kind, pack.startsOn, pack.endsOn, pack.reason, row.Note, problem, timeOf(stamp), row.Contact ?? null]);

  // Its holders follow its dates (an expired one comes back when the pack is extended).
  let moved = 0;
  const redated = !current || current.startsOn !== pack.startsOn || current.endsOn !== pack.endsOn;
  if (redated && pack.startsOn && pack.endsOn && pack.startsOn <= pack.endsOn) {
    for (const h of await holdersOf(tx, row.Id)) {
      const back = h.subscription.status === 'expired' && pack.endsOn >= p.today;
      const next = await transition(tx, h.subscription, { startsOn: pack.startsOn, endsOn: pack.endsOn, ...(back ? { status: 'active' as const } : {}) }, {
        cause: `its seat pack's dates changed by staff: ${pack.startsOn} to ${pack.endsOn}`, actor: `staff:nocodb:seat_packs:${row.Id}`, key: key('pack-dates', h.rowId),
      });
      if (next !== h.subscription) moved++;
    }
  }
  return { state: problem ? `gives no new seats: ${problem}` : 'in force', moved, freed: 0 };
}

export interface AssignmentInput {
  op: HookOperation;
  row: SeatAssignmentRow;
  /** The Ory identity of the People row linked (null: none, or that person has no identity). */
  personId: string | null;
  /** The pack as NocoDB has it now, mirrored first (under the same locks). */
  pack?: Omit<PackInput, 'op' | 'today'>;
  today: string;
  now: Date;
}

export interface SeatResult { outcome: SeatOutcome; holds: boolean; subscriptionId: number | null }

/**
 * Applies a Seat assignments row: gives its person a seat of its pack when one is free,
 * frees it (Freed with a FreedReason, or the row deleted), or says why not. A refused row
 * is not queued: it is tried again when it is next edited (or delivered again).
 */
export async function applyAssignment(tx: PoolClient, a: AssignmentInput): Promise<SeatResult> {
  const { row } = a;
  const before = (await tx.query<{ pack_id: number | null }>('select pack_id from billing_seat_assignment where row_id = $1', [row.Id])).rows[0]?.pack_id ?? null;
  // A deleted row gives back the seat it held, whatever its last link said.
  const packId = a.op === 'delete' && before !== null ? before : row.seat_packs_id;
  let packs = await lockPacks(tx, [before, packId]);
  if (a.pack) {
    await applyPack(tx, { ...a.pack, op: 'update', today: a.today });
    packs = await lockPacks(tx, [before, packId]);
  }
  const existing = await assignmentById(tx, row.Id);
  // Moved by a concurrent event between the read and the lock: the worker tries again.
  if ((existing?.packId ?? null) !== before) throw new Error(`seat assignment ${row.Id} moved while it was applied`);
  const stamp = stampOf(row);
  if (existing && (existing.deleted || (a.op !== 'delete' && timeOf(stamp) < existing.rowUpdatedAt))) {
    return { outcome: 'unchanged', holds: existing.holds, subscriptionId: null };
  }
  const key = (what: string, pack: number) => `${sourceOf(pack, row.Id)}:${what}:${stamp ?? a.now.toISOString()}`;

  // Moved to another pack, or unlinked from its own: the old seat is given back first.
  if (existing?.holds && existing.packId !== null && existing.packId !== packId) {
    await cancelSeat(tx, existing.packId, row.Id, { cause: packId ? `moved to seat pack ${packId} by staff` : 'unlinked from its seat pack by staff', key: key('moved', existing.packId) });
  }
  const holding = existing?.holds && existing.packId === packId ? existing : null;
  const finish = async (outcome: SeatOutcome, holds: boolean, subscriptionId: number | null = null): Promise<SeatResult> => {
    // A seat kept through a refused change stays with whom it was given; a deleted row keeps whose it was.
    const person = a.op === 'delete' || (holds && outcome.startsWith('refused')) ? existing?.personId ?? a.personId : a.personId;
    await tx.query(
      `insert into billing_seat_assignment (row_id, pack_id, person_id, holds, outcome, freed_reason, subscription_id, deleted, row_updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       on conflict (row_id) do update set pack_id = excluded.pack_id, person_id = excluded.person_id, holds = excluded.holds,
         outcome = case when excluded.outcome = 'unchanged' then billing_seat_assignment.outcome else excluded.outcome end,
         freed_reason = excluded.freed_reason, subscription_id = coalesce(excluded.subscription_id, billing_seat_assignment.subscription_id),
         deleted = excluded.deleted, row_updated_at = excluded.row_updated_at, updated_at = now()`,
      [row.Id, packId, person, holds, outcome, row.FreedReason, subscriptionId, a.op === 'delete', timeOf(stamp)]);
    return { outcome, holds, subscriptionId };
  };

  if (a.op === 'delete' || row.Freed) {
    if (a.op !== 'delete' && !row.FreedReason) return finish('refused: freeing a seat needs FreedReason', !!holding);
    if (holding) await cancelSeat(tx, packId!, row.Id, { cause: a.op === 'delete' ? 'the seat assignment row was deleted in NocoDB' : `freed: ${row.FreedReason}`, key: key('freed', packId!) });
    return finish('freed', false);
  }

  if (!packId) return finish('refused: link a seat pack', false);
  const pack = packs.get(packId);
  if (!pack) return finish(`refused: seat pack ${packId} is not known (deleted in NocoDB?)`, false);
  if (pack.deleted) return finish('refused: the seat pack was deleted', false);
  if (!a.personId) {
    return finish(holding ? 'refused: link a person who has signed up (People with an identity); the seat stays with whom it was given'
      : 'refused: link a person who has signed up (People with an identity)', !!holding);
  }
  const other = (await tx.query<{ row_id: number }>(
    'select row_id from billing_seat_assignment where pack_id = $1 and person_id = $2 and holds and row_id <> $3', [packId, a.personId, row.Id])).rows[0];
  if (other) return finish(`refused: this person holds a seat of this pack already (assignment ${other.row_id})`, !!holding);

  // A seat held already: only its person may change (its dates follow the pack).
  if (holding) {
    const subscription = await subscriptionBySource(tx, sourceOf(packId, row.Id), true);
    if (!subscription) throw new Error(`seat ${sourceOf(packId, row.Id)} holds without a subscription`);
    const changed = await transition(tx, subscription, { personId: a.personId }, { cause: 'the seat given to another person by staff', actor: actorOf(row.Id), key: key('person', packId) });
    return finish(changed === subscription ? 'unchanged' : 'changed', true, subscription.id);
  }

  const given = await giveSeat(tx, pack, { rowId: row.Id, personId: a.personId, today: a.today, key: (what) => key(what, packId) });
  return typeof given === 'string' ? finish(given, false) : finish('assigned', true, given.subscriptionId);
}

/** A new seat of `pack` (locked) for `personId`, or why not: counted under the pack's lock. */
async function giveSeat(
  tx: PoolClient, pack: SeatPack, s: { rowId: number; personId: string; today: string; key: (what: string) => string },
): Promise<`refused: ${string}` | { subscriptionId: number }> {
  const taken = Number((await tx.query('select count(*) as n from billing_seat_assignment where pack_id = $1 and holds', [pack.id])).rows[0].n);
  const refusal = newSeatRefusal(pack, s.today, taken);
  if (refusal) return refusal;
  const plan = await planById(tx, pack.planId!);
  // Not mirrored yet (its own webhook is behind this one): retried with backoff, not refused.
  if (!plan) throw new Error(`plan ${pack.planId} is not mirrored yet`);
  if (plan.deleted || plan.productId === null) return 'refused: the seat pack\'s plan is deleted or has no product';

  const source = sourceOf(pack.id, s.rowId);
  const change = { cause: `granted a seat of ${pack.organisation}'s pack ${pack.id}`, actor: actorOf(s.rowId), key: s.key('assigned') };
  const prior = await subscriptionBySource(tx, source, true);
  if (prior && (prior.planId !== plan.id || prior.kind !== pack.kind)) return 'refused: this row held a seat of another plan or kind before; give the seat in a new row';
  if (prior) {
    await transition(tx, prior, { status: 'active', startsOn: pack.startsOn!, endsOn: pack.endsOn, personId: s.personId }, { ...change, cause: `${change.cause} again` });
    return { subscriptionId: prior.id };
  }
  const { subscription } = await openSubscription(tx, {
    personId: s.personId, planId: plan.id, productId: plan.productId, kind: pack.kind!, status: 'active', startsOn: pack.startsOn!, endsOn: pack.endsOn,
    // Not priced a person: a corporate pack is invoiced to the organisation, a free one costs nothing.
    priceVersionId: null, priceMinor: pack.kind === 'free corporate' ? 0 : null, currency: plan.currency, renewalKeepsPrice: plan.renewalKeepsPrice, source,
  }, change);
  return { subscriptionId: subscription.id };
}
