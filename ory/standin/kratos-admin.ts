/**
 * Kratos' admin API for identities: create, list (credentials_identifier, ids, pages),
 * get, replace (PUT), JSON-patch (PATCH), delete, and an identity's sessions.
 * Identities created here fire no registration hook, as in Kratos (kratos#3033).
 */
import { Router, type Request, type Response } from 'express';
import { DuplicateIdentifier, InvalidTraits, type Identities, type IdentityInput } from './identities.ts';
import { applyJsonPatch } from './json-patch.ts';
import { OryError } from './ory-errors.ts';
import type { Sessions } from './sessions.ts';
import type { StoredIdentity } from './store.ts';

export interface KratosAdminDeps {
  identities: Identities;
  sessions: Sessions;
}

const DEFAULT_PAGE_SIZE = 250;
const MAX_PAGE_SIZE = 1000;

export function kratosAdminRoutes(d: KratosAdminDeps): Router {
  const router = Router();
  const admin = (i: StoredIdentity) => d.identities.view(i, { admin: true, credentials: true });
  const find = (req: Request<{ id: string }>) => {
    const identity = d.identities.get(req.params.id);
    if (!identity) throw new OryError(404, { message: 'Unable to locate the resource' });
    return identity;
  };

  router.post('/admin/identities', async (req, res) => {
    const body = requireObject(req.body) as IdentityInput;
    if (body.traits === undefined) throw new OryError(400, { reason: 'traits is required.' });
    const identity = await mapIdentityErrors(() => d.identities.create(body));
    res.status(201).location(`/admin/identities/${identity.id}`).json(admin(identity));
  });

  router.get('/admin/identities', (req, res) => {
    const q = req.query as Record<string, string | string[] | undefined>;
    let list = [...d.identities.all()].sort((a, b) => a.id.localeCompare(b.id));
    const identifier = one(q.credentials_identifier);
    if (identifier) {
      const found = d.identities.byIdentifier(identifier);
      list = found ? [found] : [];
    }
    const ids = q.ids === undefined ? undefined : ([] as string[]).concat(q.ids);
    if (ids) list = list.filter((i) => ids.includes(i.id));
    const pageSize = pageSizeOf(one(q.page_size) ?? one(q.per_page));
    const after = one(q.page_token);
    if (after) list = list.filter((i) => i.id > decodeToken(after));
    const page = list.slice(0, pageSize);
    if (list.length > pageSize) setNextLink(req, res, page.at(-1)!.id, pageSize);
    res.json(page.map((i) => d.identities.view(i, { admin: true })));
  });

  router.get('/admin/identities/:id', (req, res) => {
    res.json(admin(find(req)));
  });

  router.put('/admin/identities/:id', async (req, res) => {
    const identity = find(req);
    const body = requireObject(req.body) as IdentityInput;
    for (const field of ['schema_id', 'traits', 'state'] as const) {
      if (body[field] === undefined) throw new OryError(400, { reason: `${field} is required.` });
    }
    res.json(admin(await mapIdentityErrors(() => d.identities.replace(identity, body))));
  });

  router.patch('/admin/identities/:id', async (req, res) => {
    const identity = find(req);
    const before = d.identities.view(identity, { admin: true });
    const after = applyJsonPatch(before, req.body);
    if (after.id !== identity.id || 'credentials' in after || after.state_changed_at !== before.state_changed_at) {
      throw new OryError(400, { reason: 'The fields id, state_changed_at and credentials cannot be patched.' });
    }
    res.json(admin(await mapIdentityErrors(async () => d.identities.patched(identity, after))));
  });

  router.delete('/admin/identities/:id', (req, res) => {
    d.identities.remove(find(req));
    res.status(204).end();
  });

  router.get('/admin/identities/:id/sessions', (req, res) => {
    const identity = find(req);
    res.json(d.sessions.ofIdentity(identity.id).map((s) => d.sessions.view(s, identity, true)));
  });

  router.delete('/admin/identities/:id/sessions', (req, res) => {
    d.sessions.revokeAll(find(req).id);
    res.status(204).end();
  });

  return router;
}

async function mapIdentityErrors(f: () => Promise<StoredIdentity>): Promise<StoredIdentity> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof InvalidTraits) throw new OryError(400, { reason: `Invalid traits: ${err.message}` });
    if (err instanceof DuplicateIdentifier) {
      throw new OryError(409, { reason: 'This identity conflicts with another identity that already exists.' });
    }
    throw err;
  }
}

function requireObject(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new OryError(400, { reason: 'The request body must be a JSON object.' });
  return body as Record<string, unknown>;
}

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

function pageSizeOf(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PAGE_SIZE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) throw new OryError(400, { reason: `page_size must be an integer from 1 to ${MAX_PAGE_SIZE}.` });
  return n;
}

const encodeToken = (id: string) => Buffer.from(id).toString('base64url');
function decodeToken(token: string): string {
  const id = Buffer.from(token, 'base64url').toString();
  if (!/^[0-9a-f-]{36}$/.test(id)) throw new OryError(400, { reason: 'The page_token is malformed.' });
  return id;
}

/** Kratos' keyset pagination: `Link: <...page_token=...>; rel="next"`. */
function setNextLink(req: Request, res: Response, lastId: string, pageSize: number) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(req.query as Record<string, string | string[]>)) for (const x of ([] as string[]).concat(v)) params.append(k, x);
  params.set('page_size', String(pageSize));
  params.set('page_token', encodeToken(lastId));
  res.setHeader('Link', `<${req.baseUrl}${req.path}?${params.toString()}>; rel="next"`);
}
