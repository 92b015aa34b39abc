import type { Pool, PoolClient } from 'pg';
import type { RelationTuple } from '../../ory/opl/tuples.ts';
import { fromSubjectKey, objectOf, subjectKey, type TupleDiff } from './objects.ts';
import type { Slice } from './slices.ts';

/**
 * SQL of identity_keto_tuple (schemas/migrations/0101): the tuples this capability wrote
 * to Keto. Changed in the same transaction as the event that caused the Keto write.
 */
interface TupleRow {
  namespace: string;
  object: string;
  relation: string;
  subject: string;
}

const toTuple = (r: TupleRow) => fromSubjectKey(r.namespace, r.object, r.relation, r.subject);
const COLUMNS = 'namespace, object, relation, subject';

/** Serialises every change of Keto tuples by this capability (consumers, reconcile, import). */
export async function lockTupleWrites(tx: PoolClient): Promise<void> {
  await tx.query('select pg_advisory_xact_lock(hashtext($1))', ['identity.keto-tuples']);
}

export async function mirroredSlice(tx: Pool | PoolClient, slice: Slice): Promise<RelationTuple[]> {
  const { text, values } = sliceWhere(slice);
  const { rows } = await tx.query<TupleRow>(`select ${COLUMNS} from identity_keto_tuple where ${text}`, values);
  return rows.map(toTuple);
}

export async function mirroredAll(tx: PoolClient): Promise<RelationTuple[]> {
  const { rows } = await tx.query<TupleRow>(`select ${COLUMNS} from identity_keto_tuple`);
  return rows.map(toTuple);
}

/** Objects of `namespace` where one of `subjects` holds `relation`, e.g. the groups a mentor was written into. */
export async function mirroredObjectsOf(tx: PoolClient, namespace: string, relation: string, subjects: string[]): Promise<string[]> {
  if (subjects.length === 0) return [];
  const { rows } = await tx.query<{ object: string }>(
    'select distinct object from identity_keto_tuple where namespace = $1 and relation = $2 and subject = any($3::text[])',
    [namespace, relation, subjects]);
  return rows.map((r) => r.object);
}

export async function applyToMirror(tx: PoolClient, diff: TupleDiff): Promise<void> {
  if (diff.remove.length) {
    const r = columns(diff.remove);
    await tx.query(`delete from identity_keto_tuple t using unnest($1::text[], $2::text[], $3::text[], $4::text[]) as d(${COLUMNS})
      where t.namespace = d.namespace and t.object = d.object and t.relation = d.relation and t.subject = d.subject`, r);
  }
  if (diff.add.length) {
    await tx.query(`insert into identity_keto_tuple (${COLUMNS}) select * from unnest($1::text[], $2::text[], $3::text[], $4::text[])
      on conflict do nothing`, columns(diff.add));
  }
}

function columns(tuples: RelationTuple[]): string[][] {
  return [tuples.map((t) => t.namespace), tuples.map((t) => t.object), tuples.map((t) => t.relation), tuples.map(subjectKey)];
}

function sliceWhere(slice: Slice): { text: string; values: unknown[] } {
  switch (slice.kind) {
    case 'object':
      // A workbook's slice also holds the guide it opens to its owner (Guide:<slug>#readers@Workbook:<id>#owners),
      // a product's the guides it opens to its holders (...@Subscription:product-<id>#holders).
      return {
        text: `(namespace = $1 and object = $2) or (namespace = 'Guide' and subject in ($1 || ':' || $2 || '#owners', $1 || ':' || $2 || '#holders'))`,
        values: [slice.namespace, objectOf(slice.namespace, slice.rowId)],
      };
    case 'roles':
      return { text: `((namespace = 'Role' and subject = $1) or (namespace = 'Person' and object = $1))`, values: [slice.identity] };
    case 'grants':
      return { text: `namespace in ('Contact', 'Report')`, values: [] };
  }
}
