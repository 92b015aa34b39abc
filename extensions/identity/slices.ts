import type { RowNamespace } from './objects.ts';
import { objectOf } from './objects.ts';

/**
 * A slice is the unit the sync recomputes at once: every tuple of one Keto object that
 * stands for a NocoDB row (a group, a workbook, a subscription), the Role tuples of one
 * identity (from people.Roles), or the school-wide grants. Within a slice the mirror
 * (tuple-mirror.ts) holds exactly what was written, so desired minus mirror is the change.
 */
export type Slice =
  | { kind: 'object'; namespace: RowNamespace; rowId: number }
  | { kind: 'roles'; identity: string }
  | { kind: 'grants' };

export const objectSlice = (namespace: RowNamespace, rowId: number): Slice => ({ kind: 'object', namespace, rowId });
export const rolesSlice = (identity: string): Slice => ({ kind: 'roles', identity });
export const GRANTS_SLICE: Slice = { kind: 'grants' };

export function sliceKey(s: Slice): string {
  if (s.kind === 'object') return `${s.namespace}:${objectOf(s.namespace, s.rowId)}`;
  return s.kind === 'roles' ? `Role@${s.identity}` : 'grants';
}

/** The same slice named twice is recomputed once. */
export function uniqueSlices(slices: Slice[]): Slice[] {
  return [...new Map(slices.map((s) => [sliceKey(s), s])).values()];
}

/** Object ids `group-12` -> 12 (for slices found through the mirror). */
export function rowIdOf(object: string): number | null {
  const m = /-(\d+)$/.exec(object);
  return m ? Number(m[1]) : null;
}
