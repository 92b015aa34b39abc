/**
 * Evaluates checks over a tuple store with an OplModel, the way Keto does:
 * - a relation holds when a tuple names the subject directly, or names a subject set
 *   that (recursively) holds the subject;
 * - a permit holds when its expression does;
 * - every hop through a tuple (subject-set expansion, traverse) and every permit call
 *   costs one unit of depth; when depth runs out the answer is "unknown", which never
 *   grants access (not even under `!`).
 */
import type { Expr, OplModel } from './model.ts';
import type { Subject, TupleReader } from './tuples.ts';
import { sameSubject } from './tuples.ts';

/** Keto's default `limit.max_read_depth`. */
export const DEFAULT_MAX_DEPTH = 5;

type Answer = 'yes' | 'no' | 'unknown';

export interface CheckRequest {
  namespace: string;
  object: string;
  relation: string;
  subject: Subject;
  /** Capped at the checker's maximum; absent or < 1 means the maximum. */
  maxDepth?: number;
}

export class UnknownRelationError extends Error {
  constructor(
    readonly namespace: string,
    readonly relation: string,
  ) {
    super(`relation "${relation}" is not declared in namespace "${namespace}"`);
    this.name = 'UnknownRelationError';
  }
}

export interface Checker {
  check(request: CheckRequest): boolean;
}

export function createChecker(model: OplModel, tuples: TupleReader, maxDepth = DEFAULT_MAX_DEPTH): Checker {
  const relation = (namespace: string, object: string, rel: string, subject: Subject, depth: number): Answer => {
    if (depth <= 0) return 'unknown';
    const ns = model.get(namespace);
    if (!ns) return 'no';
    const permit = ns.permits.get(rel);
    if (permit) return expr(permit, namespace, object, subject, depth);
    if (!ns.relations.has(rel)) return 'no';
    const found = tuples.find({ namespace, object, relation: rel });
    if (found.some((t) => sameSubject(t, subject))) return 'yes';
    return any(
      found.map((t) => t.subject_set).filter((s) => s !== undefined && s.relation !== ''),
      (s) => relation(s!.namespace, s!.object, s!.relation, subject, depth - 1),
    );
  };

  const expr = (e: Expr, namespace: string, object: string, subject: Subject, depth: number): Answer => {
    switch (e.kind) {
      case 'or':
        return any(e.args, (a) => expr(a, namespace, object, subject, depth));
      case 'and':
        return all(e.args, (a) => expr(a, namespace, object, subject, depth));
      case 'not': {
        const a = expr(e.arg, namespace, object, subject, depth);
        return a === 'unknown' ? a : a === 'yes' ? 'no' : 'yes';
      }
      case 'includes':
        return relation(namespace, object, e.relation, subject, depth);
      case 'permit':
        return relation(namespace, object, e.name, subject, depth - 1);
      case 'traverse': {
        if (depth - 1 <= 0) return 'unknown';
        const targets = tuples.find({ namespace, object, relation: e.relation }).flatMap((t) => (t.subject_set ? [t.subject_set] : []));
        return any(targets, (s) => expr(e.body, s.namespace, s.object, subject, depth - 1));
      }
    }
  };

  return {
    check({ namespace, object, relation: rel, subject, maxDepth: requested }) {
      const ns = model.get(namespace);
      // Keto answers "not allowed" for an unknown namespace rather than "not found".
      if (!ns) return false;
      if (!ns.relations.has(rel) && !ns.permits.has(rel)) throw new UnknownRelationError(namespace, rel);
      const depth = requested && requested > 0 ? Math.min(requested, maxDepth) : maxDepth;
      return relation(namespace, object, rel, subject, depth) === 'yes';
    },
  };
}

function any<T>(items: T[], f: (item: T) => Answer): Answer {
  let unknown = false;
  for (const item of items) {
    const a = f(item);
    if (a === 'yes') return 'yes';
    if (a === 'unknown') unknown = true;
  }
  return unknown ? 'unknown' : 'no';
}

function all<T>(items: T[], f: (item: T) => Answer): Answer {
  let unknown = false;
  for (const item of items) {
    const a = f(item);
    if (a === 'no') return 'no';
    if (a === 'unknown') unknown = true;
  }
  return unknown ? 'unknown' : 'yes';
}
