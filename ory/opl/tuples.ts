/** Relation tuples in Keto's JSON shape, and how queries select them. */

export interface SubjectSet {
  namespace: string;
  object: string;
  relation: string;
}

export interface RelationTuple {
  namespace: string;
  object: string;
  relation: string;
  subject_id?: string;
  subject_set?: SubjectSet;
}

/** Every given field must match; an absent field matches anything. */
export interface TupleQuery {
  namespace?: string;
  object?: string;
  relation?: string;
  subject_id?: string;
  subject_set?: Partial<SubjectSet>;
}

export type Subject = { subject_id: string; subject_set?: undefined } | { subject_id?: undefined; subject_set: SubjectSet };

/** What the evaluator needs from a store. */
export interface TupleReader {
  find(query: TupleQuery): RelationTuple[];
}

export function matchesQuery(t: RelationTuple, q: TupleQuery): boolean {
  if (q.namespace !== undefined && t.namespace !== q.namespace) return false;
  if (q.object !== undefined && t.object !== q.object) return false;
  if (q.relation !== undefined && t.relation !== q.relation) return false;
  if (q.subject_id !== undefined && t.subject_id !== q.subject_id) return false;
  if (q.subject_set) {
    const s = t.subject_set;
    if (!s) return false;
    if (q.subject_set.namespace !== undefined && s.namespace !== q.subject_set.namespace) return false;
    if (q.subject_set.object !== undefined && s.object !== q.subject_set.object) return false;
    if (q.subject_set.relation !== undefined && s.relation !== q.subject_set.relation) return false;
  }
  return true;
}

export function sameSubject(t: RelationTuple | Subject, s: Subject): boolean {
  if (s.subject_id !== undefined) return t.subject_id === s.subject_id;
  const a = t.subject_set;
  const b = s.subject_set;
  return !!a && a.namespace === b.namespace && a.object === b.object && a.relation === b.relation;
}

export function sameTuple(a: RelationTuple, b: RelationTuple): boolean {
  return a.namespace === b.namespace && a.object === b.object && a.relation === b.relation && sameSubject(a, subjectOf(b));
}

export function subjectOf(t: RelationTuple): Subject {
  if (t.subject_set) return { subject_set: t.subject_set };
  return { subject_id: t.subject_id ?? '' };
}

/** Keto's text notation, for logs and test messages: `Group:g1#members@Role:staff#members`. */
export function formatTuple(t: RelationTuple): string {
  const s = t.subject_set;
  const subject = s ? `${s.namespace}:${s.object}${s.relation ? `#${s.relation}` : ''}` : t.subject_id;
  return `${t.namespace}:${t.object}#${t.relation}@${subject}`;
}

/** An in-memory store, for unit tests and as the stand-in's working set. */
/**
 * Tuples in memory, indexed by (namespace, object, relation): the evaluator asks by that
 * triple at every step, so a check costs the size of the buckets it visits, not of the store.
 */
export class MemoryTuples implements TupleReader {
  private tuples: RelationTuple[] = [];
  private byObject = new Map<string, RelationTuple[]>();

  constructor(tuples: RelationTuple[] = []) {
    for (const t of tuples) this.insert(t);
  }

  find(query: TupleQuery): RelationTuple[] {
    if (query.namespace !== undefined && query.object !== undefined && query.relation !== undefined) {
      return (this.byObject.get(bucketKey(query.namespace, query.object, query.relation)) ?? []).filter((t) => matchesQuery(t, query));
    }
    return this.tuples.filter((t) => matchesQuery(t, query));
  }

  all(): RelationTuple[] {
    return this.tuples;
  }

  /** Adds the tuple unless an equal one exists (Keto's PUT is idempotent). */
  insert(t: RelationTuple): void {
    const key = bucketKey(t.namespace, t.object, t.relation);
    const bucket = this.byObject.get(key) ?? [];
    if (bucket.some((x) => sameTuple(x, t))) return;
    bucket.push(t);
    this.byObject.set(key, bucket);
    this.tuples.push(t);
  }

  remove(t: RelationTuple): void {
    this.replaceAll(this.tuples.filter((x) => !sameTuple(x, t)));
  }

  removeMatching(q: TupleQuery): number {
    const before = this.tuples.length;
    this.replaceAll(this.tuples.filter((x) => !matchesQuery(x, q)));
    return before - this.tuples.length;
  }

  private replaceAll(tuples: RelationTuple[]): void {
    this.tuples = [];
    this.byObject.clear();
    for (const t of tuples) this.insert(t);
  }
}

const bucketKey = (namespace: string, object: string, relation: string) => `${namespace}\u0000${object}\u0000${relation}`;
