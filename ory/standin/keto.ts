/**
 * Keto's read API (check, list, namespaces) and write API (create, delete by query,
 * patch), with checks evaluated by ory/opl on the configured OPL file.
 */
import { Router, type Response } from 'express';
import { createChecker, UnknownRelationError, type OplModel, type RelationTuple, type Subject, type TupleQuery } from '../opl/index.ts';
import { OryError } from './ory-errors.ts';
import type { StandinStore } from './store.ts';

export interface KetoDeps {
  model: OplModel;
  store: StandinStore;
  maxDepth: number;
}

const DEFAULT_PAGE_SIZE = 250;
const MAX_PAGE_SIZE = 1000;

type Fields = Record<string, unknown>;

export function ketoRoutes(d: KetoDeps): Router {
  const router = Router();
  const checker = createChecker(d.model, d.store.tuples, d.maxDepth);
  const knownNamespace = (namespace: string | undefined) => {
    if (namespace !== undefined && !d.model.has(namespace)) throw new OryError(404, { reason: `Unknown namespace with name "${namespace}".` });
  };

  const check = (fields: Fields, maxDepth: unknown, res: Response, denyStatus: 200 | 403) => {
    const tuple = requireTuple(fields);
    const depth = maxDepth === undefined ? undefined : Number(maxDepth);
    if (depth !== undefined && !Number.isInteger(depth)) throw new OryError(400, { reason: 'max-depth must be an integer.' });
    let allowed: boolean;
    try {
      allowed = checker.check({ namespace: tuple.namespace, object: tuple.object, relation: tuple.relation, subject: subjectOf(tuple), maxDepth: depth });
    } catch (err) {
      if (err instanceof UnknownRelationError) throw new OryError(400, { reason: err.message });
      throw err;
    }
    res.status(allowed ? 200 : denyStatus).json({ allowed });
  };

  router.get('/relation-tuples/check', (req, res) => check(fromQuery(req.query), req.query['max-depth'], res, 403));
  router.post('/relation-tuples/check', (req, res) => check(bodyObject(req.body), req.query['max-depth'], res, 403));
  router.get('/relation-tuples/check/openapi', (req, res) => check(fromQuery(req.query), req.query['max-depth'], res, 200));
  router.post('/relation-tuples/check/openapi', (req, res) => check(bodyObject(req.body), req.query['max-depth'], res, 200));

  router.get('/relation-tuples', (req, res) => {
    const query = toQuery(fromQuery(req.query));
    knownNamespace(query.namespace);
    const size = pageSize(req.query.page_size);
    const offset = pageOffset(req.query.page_token);
    const all = d.store.tuples.find(query);
    const page = all.slice(offset, offset + size);
    const next = offset + size < all.length ? Buffer.from(`offset:${offset + size}`).toString('base64url') : '';
    res.json({ relation_tuples: page.map(relationship), next_page_token: next });
  });

  router.get('/namespaces', (_req, res) => {
    res.json({ namespaces: [...d.model.keys()].map((name) => ({ name })) });
  });

  router.put('/admin/relation-tuples', (req, res) => {
    const tuple = requireTuple(bodyObject(req.body));
    knownNamespace(tuple.namespace);
    d.store.tuples.insert(tuple);
    d.store.commit();
    res.status(201).json(relationship(tuple));
  });

  router.delete('/admin/relation-tuples', (req, res) => {
    const query = toQuery(fromQuery(req.query));
    if (query.namespace === undefined) throw new OryError(400, { reason: 'namespace is required to delete relation tuples.' });
    knownNamespace(query.namespace);
    d.store.tuples.removeMatching(query);
    d.store.commit();
    res.status(204).end();
  });

  router.patch('/admin/relation-tuples', (req, res) => {
    if (!Array.isArray(req.body)) throw new OryError(400, { reason: 'The body must be an array of {action, relation_tuple}.' });
    const changes = (req.body as unknown[]).map((raw) => {
      const { action, relation_tuple } = bodyObject(raw) as { action?: unknown; relation_tuple?: unknown };
      if (action !== 'insert' && action !== 'delete') throw new OryError(400, { reason: `Unknown action ${JSON.stringify(action)}: use insert or delete.` });
      const tuple = requireTuple(bodyObject(relation_tuple));
      knownNamespace(tuple.namespace);
      return { action, tuple };
    });
    for (const { action, tuple } of changes) {
      if (action === 'insert') d.store.tuples.insert(tuple);
      else d.store.tuples.remove(tuple);
    }
    d.store.commit();
    res.status(204).end();
  });

  return router;
}

function bodyObject(body: unknown): Fields {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new OryError(400, { reason: 'The request body must be a JSON object.' });
  return body as Fields;
}

/** Query parameters (`subject_set.namespace`, ...) as body-shaped fields. */
function fromQuery(q: Record<string, unknown>): Fields {
  const s = (k: string) => {
    const v = q[k];
    if (v !== undefined && typeof v !== 'string') throw new OryError(400, { reason: `${k} must be given once.` });
    return v;
  };
  const set = { namespace: s('subject_set.namespace'), object: s('subject_set.object'), relation: s('subject_set.relation') };
  const hasSet = Object.values(set).some((v) => v !== undefined);
  return { namespace: s('namespace'), object: s('object'), relation: s('relation'), subject_id: s('subject_id'), ...(hasSet ? { subject_set: set } : {}) };
}

function subjectSetOf(value: unknown): RelationTuple['subject_set'] {
  if (value === undefined || value === null) return undefined;
  const s = value as Fields;
  if (typeof s.namespace !== 'string' || typeof s.object !== 'string' || typeof s.relation !== 'string') {
    throw new OryError(400, { reason: 'subject_set needs namespace, object and relation.' });
  }
  return { namespace: s.namespace, object: s.object, relation: s.relation };
}

/** A complete tuple: namespace, object, relation and exactly one subject. */
function requireTuple(f: Fields): RelationTuple {
  for (const k of ['namespace', 'object', 'relation'] as const) {
    if (typeof f[k] !== 'string') throw new OryError(400, { reason: `${k} is required.` });
  }
  const subject_set = subjectSetOf(f.subject_set);
  const subject_id = f.subject_id;
  if ((subject_id === undefined) === (subject_set === undefined)) {
    throw new OryError(400, { reason: 'Please provide either a subject ID or a subject set.' });
  }
  if (subject_id !== undefined && typeof subject_id !== 'string') throw new OryError(400, { reason: 'subject_id must be a string.' });
  const base = { namespace: f.namespace as string, object: f.object as string, relation: f.relation as string };
  return subject_set ? { ...base, subject_set } : { ...base, subject_id: subject_id as string };
}

function toQuery(f: Fields): TupleQuery {
  const q: TupleQuery = {};
  for (const k of ['namespace', 'object', 'relation', 'subject_id'] as const) if (typeof f[k] === 'string') q[k] = f[k] as string;
  if (f.subject_set) q.subject_set = subjectSetOf(f.subject_set);
  return q;
}

const subjectOf = (t: RelationTuple): Subject => (t.subject_set ? { subject_set: t.subject_set } : { subject_id: t.subject_id! });

/** The `relationship` object of keto-api.json. */
const relationship = (t: RelationTuple) => ({
  namespace: t.namespace,
  object: t.object,
  relation: t.relation,
  ...(t.subject_set ? { subject_set: t.subject_set } : { subject_id: t.subject_id }),
});

function pageSize(raw: unknown): number {
  if (raw === undefined) return DEFAULT_PAGE_SIZE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) throw new OryError(400, { reason: `page_size must be an integer from 1 to ${MAX_PAGE_SIZE}.` });
  return n;
}

function pageOffset(raw: unknown): number {
  if (raw === undefined || raw === '') return 0;
  const match = typeof raw === 'string' ? /^offset:(\d+)$/.exec(Buffer.from(raw, 'base64url').toString()) : null;
  if (!match) throw new OryError(400, { reason: 'The page_token is malformed.' });
  return Number(match[1]);
}
