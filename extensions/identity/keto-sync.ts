import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { Ory } from '../../ory/client.ts';
import type { RelationTuple } from '../../ory/opl/tuples.ts';
import { utcDay } from './desired.ts';
import { diffTuples, showTuple, type TupleDiff } from './objects.ts';
import type { SchoolState } from './school-state.ts';
import { sliceKey, uniqueSlices, type Slice } from './slices.ts';
import { applyToMirror, lockTupleWrites, mirroredSlice } from './tuple-mirror.ts';

export interface SyncDeps {
  ory: Pick<Ory, 'keto'>;
  state: SchoolState;
  clock: () => Date;
  log: Logger;
}

/** Writes and deletes a difference in Keto. Keto inserts may duplicate a tuple (keto#292): harmless, a delete removes all copies. */
export async function writeToKeto(ory: Pick<Ory, 'keto'>, diff: TupleDiff): Promise<void> {
  if (diff.add.length) await ory.keto.write(diff.add);
  if (diff.remove.length) await ory.keto.delete(diff.remove);
}

/**
 * Brings the given slices in Keto to what NocoDB justifies now, in `tx`:
 * lock (one writer at a time, so a slow reader cannot write an older state over a newer
 * one), read NocoDB, diff against the mirror, write Keto, record in the mirror. The mirror
 * commits with the caller's transaction; a crash before that commit leaves Keto ahead of
 * the mirror, and the next sync or reconciliation writes the same tuples again.
 */
export async function syncSlices(tx: PoolClient, deps: SyncDeps, slices: Slice[]): Promise<TupleDiff> {
  await lockTupleWrites(tx);
  const today = utcDay(deps.clock());
  const total: TupleDiff = { add: [], remove: [] };
  for (const slice of uniqueSlices(slices)) {
    const desired: RelationTuple[] = await deps.state.desired(slice, today);
    const diff = diffTuples(desired, await mirroredSlice(tx, slice));
    if (!diff.add.length && !diff.remove.length) continue;
    await writeToKeto(deps.ory, diff);
    await applyToMirror(tx, diff);
    deps.log.info({ component: 'identity', slice: sliceKey(slice), added: diff.add.map(showTuple), removed: diff.remove.map(showTuple) }, 'permissions synced from NocoDB');
    total.add.push(...diff.add);
    total.remove.push(...diff.remove);
  }
  return total;
}
