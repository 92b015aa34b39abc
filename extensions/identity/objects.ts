import { formatTuple, type RelationTuple, type SubjectSet } from '../../ory/opl/tuples.ts';

/**
 * Keto object ids of the school's NocoDB rows, and the plain-data form of relation tuples.
 *
 * Object ids are the NocoDB row id with the table's prefix, stable for the row's life:
 *   Group:group-<groups.Id>   Workbook:workbook-<workbooks.Id>   Subscription:product-<Products.Id>
 * (Subscription:product-<id>#holders: the people billing says hold that product today.)
 * Objects with these prefixes belong to this capability entirely: reconciliation deletes
 * any tuple on them that NocoDB does not justify. Role:staff|admin|ambassador and the CRM
 * scopes Contact:crm and Report:operations are shared with other writers: there only the
 * tuples this capability wrote (its mirror) are ever deleted.
 */
export const PREFIX = { Group: 'group-', Workbook: 'workbook-', Subscription: 'product-' } as const;
export type RowNamespace = keyof typeof PREFIX;

export const objectOf = (namespace: RowNamespace, rowId: number | string) => `${PREFIX[namespace]}${rowId}`;
export const groupObject = (id: number | string) => objectOf('Group', id);
export const workbookObject = (id: number | string) => objectOf('Workbook', id);
export const subscriptionObject = (id: number | string) => objectOf('Subscription', id);

/** The Role objects of namespaces.keto.ts that NocoDB's people.Roles can grant. */
export const GRANTED_ROLES = ['staff', 'admin', 'ambassador'] as const;
export type GrantedRole = (typeof GRANTED_ROLES)[number];

/** Namespaces whose tuples this capability writes (reconciliation lists these in Keto). */
export const MANAGED_NAMESPACES = ['Group', 'Workbook', 'Subscription', 'Role', 'Person', 'Guide', 'Contact', 'Report'] as const;

export function isOwnedObject(t: Pick<RelationTuple, 'namespace' | 'object'>): boolean {
  const prefix = (PREFIX as Record<string, string>)[t.namespace];
  return prefix !== undefined && t.object.startsWith(prefix) && /^\d+$/.test(t.object.slice(prefix.length));
}

export const toIdentity = (namespace: string, object: string, relation: string, subject_id: string): RelationTuple =>
  ({ namespace, object, relation, subject_id });
export const toSet = (namespace: string, object: string, relation: string, set: SubjectSet): RelationTuple =>
  ({ namespace, object, relation, subject_set: set });
export const roleMembers = (role: string): SubjectSet => ({ namespace: 'Role', object: role, relation: 'members' });

/**
 * The subject as one string: an identity id, or `Namespace:object#relation` for a subject
 * set (the relation may be empty: `Group:group-1#` is the group itself, as in `parents`).
 * Kratos identity ids are UUIDs, so they never contain ':'.
 */
export function subjectKey(t: RelationTuple): string {
  const s = t.subject_set;
  return s ? `${s.namespace}:${s.object}#${s.relation}` : (t.subject_id ?? '');
}

export function fromSubjectKey(namespace: string, object: string, relation: string, subject: string): RelationTuple {
  const set = /^([^:#]+):([^#]*)#(.*)$/.exec(subject);
  return set ? toSet(namespace, object, relation, { namespace: set[1]!, object: set[2]!, relation: set[3]! }) : toIdentity(namespace, object, relation, subject);
}

/** A tuple's identity for set operations. */
export const tupleKey = (t: RelationTuple) => `${t.namespace}:${t.object}#${t.relation}@${subjectKey(t)}`;

/** Keto's text notation, for reports and logs. */
export const showTuple = (t: RelationTuple) => formatTuple(t);

export interface TupleDiff {
  add: RelationTuple[];
  remove: RelationTuple[];
}

/** Pure: what to write and delete to turn `current` into `desired` (duplicates collapse). */
export function diffTuples(desired: RelationTuple[], current: RelationTuple[]): TupleDiff {
  const want = new Map(desired.map((t) => [tupleKey(t), t]));
  const have = new Map(current.map((t) => [tupleKey(t), t]));
  return {
    add: [...want].filter(([k]) => !have.has(k)).map(([, t]) => t),
    remove: [...have].filter(([k]) => !want.has(k)).map(([, t]) => t),
  };
}
