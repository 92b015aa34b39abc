/**
 * THE module that calls Ory (Kratos and Keto), through @ory/client. Nothing else in the
 * project knows whether Ory is self-hosted (four base URLs) or Ory Network (one SDK URL
 * and an API key), or talks to Ory's HTTP APIs directly.
 *
 * Errors: Ory unreachable, timing out or answering 5xx -> AppError ORY_UNAVAILABLE (503);
 * a refusal we expect becomes a specific AppError (IDENTITY_EXISTS 409, IDENTITY_INVALID
 * 400); any other 4xx is our bug -> ORY_REQUEST_REJECTED (500).
 */
import http from 'node:http';
import https from 'node:https';
import axios, { isAxiosError } from 'axios';
import {
  Configuration,
  FrontendApi,
  IdentityApi,
  PermissionApi,
  RelationshipApi,
  type CreateIdentityBody,
  type Identity,
  type Relationship,
  type Session,
} from '@ory/client';
import { AppError } from '../kernel/errors.ts';
import type { KratosTraits } from '../schemas/events/kratos.ts';
import type { RelationTuple, SubjectSet, TupleQuery } from './opl/tuples.ts';

export type { Identity, Session } from '@ory/client';
export type { RelationTuple, SubjectSet, TupleQuery } from './opl/tuples.ts';

export type OryConfig =
  | { mode: 'self-hosted'; kratosPublicUrl: string; kratosAdminUrl: string; ketoReadUrl: string; ketoWriteUrl: string; timeoutMs?: number }
  | { mode: 'network'; sdkUrl: string; apiKey: string; timeoutMs?: number };

export const ROLES = ['student', 'mentor', 'author', 'staff', 'ambassador', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface NewIdentity {
  /** As ory/kratos/identity.schema.json declares them (Kratos validates them). */
  traits: KratosTraits;
  /** Plaintext; Kratos hashes it. Omit for identities that sign in with a code or Google. */
  password?: string;
  roles?: Role[];
  metadataPublic?: Record<string, unknown>;
}

export interface PermissionQuery {
  namespace: string;
  object: string;
  relation: string;
  /** An identity id, or a subject set such as Group:g1#members. */
  subject: string | SubjectSet;
}

export const FLOW_KINDS = ['login', 'registration', 'settings', 'recovery', 'verification'] as const;
export type FlowKind = (typeof FLOW_KINDS)[number];

/** What a flow's page shows: Kratos' UI container (ui.action, ui.method, ui.nodes, ui.messages). */
export interface UiFlow {
  id: string;
  ui: {
    action: string;
    method: string;
    nodes: { type: string; group: string; attributes: Record<string, unknown>; messages?: { id?: number; text: string; type?: string }[]; meta?: { label?: { id?: number; text: string } } }[];
    messages?: { id?: number; text: string; type?: string }[];
  };
}

export interface Page {
  pageSize?: number;
  pageToken?: string;
}

export interface Ory {
  /** The session of a request's Cookie header or session token; null when there is none. */
  whoami(credentials: { cookie?: string; token?: string }): Promise<Session | null>;
  identities: {
    create(input: NewIdentity): Promise<Identity>;
    get(id: string): Promise<Identity | null>;
    findByEmail(email: string): Promise<Identity | null>;
    /** Replaces metadata_admin.roles, keeping the rest of metadata_admin. */
    setRoles(id: string, roles: Role[]): Promise<Identity>;
    list(page?: Page): Promise<{ identities: Identity[]; nextPageToken?: string }>;
  };
  keto: {
    check(query: PermissionQuery): Promise<boolean>;
    /** Inserts all tuples in one transaction (existing ones stay). */
    write(tuples: RelationTuple[]): Promise<void>;
    /** Deletes exactly these tuples in one transaction. */
    delete(tuples: RelationTuple[]): Promise<void>;
    list(query: TupleQuery & Page): Promise<{ tuples: RelationTuple[]; nextPageToken?: string }>;
  };
  /** Kratos' browser self-service flows, as Ory's account UIs read them. */
  selfService: {
    /** Where a browser starts a flow (Kratos answers with a redirect to our page for it). */
    browserUrl(kind: FlowKind, returnTo?: string): string;
    /** A flow by id, read with the browser's cookies (its CSRF cookie); null when it is gone, expired or not the browser's. */
    flow(kind: FlowKind, id: string, cookie?: string): Promise<UiFlow | null>;
    /** The address that ends the browser's session; null without one. */
    logoutUrl(cookie: string | undefined, returnTo?: string): Promise<string | null>;
  };
  /** Never throws: reports each Ory endpoint's readiness. */
  health(): Promise<{ ok: boolean; checks: Record<string, string> }>;
}

export function createOry(config: OryConfig): Ory {
  // Every request of ours asks Ory once or twice: keep connections open instead of a TCP
  // handshake per call.
  const baseOptions = {
    timeout: config.timeoutMs ?? 5000,
    httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
    httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 64 }),
  };
  const conf = (basePath: string, accessToken?: string) => new Configuration({ basePath: basePath.replace(/\/+$/, ''), accessToken, baseOptions });
  const urls =
    config.mode === 'self-hosted'
      ? { kratosPublic: config.kratosPublicUrl, kratosAdmin: config.kratosAdminUrl, ketoRead: config.ketoReadUrl, ketoWrite: config.ketoWriteUrl }
      : { kratosPublic: config.sdkUrl, kratosAdmin: config.sdkUrl, ketoRead: config.sdkUrl, ketoWrite: config.sdkUrl };
  const key = config.mode === 'network' ? config.apiKey : undefined;
  const frontend = new FrontendApi(conf(urls.kratosPublic));
  const identityApi = new IdentityApi(conf(urls.kratosAdmin, key));
  const permissions = new PermissionApi(conf(urls.ketoRead, key));
  const relationships = new RelationshipApi(conf(urls.ketoWrite, key));
  const relationshipReader = new RelationshipApi(conf(urls.ketoRead, key));

  const identities: Ory['identities'] = {
    async create(input) {
      const body: CreateIdentityBody = {
        schema_id: 'default',
        traits: input.traits as unknown as Record<string, unknown>,
        metadata_admin: { roles: input.roles ?? [] },
        ...(input.metadataPublic ? { metadata_public: input.metadataPublic } : {}),
        ...(input.password ? { credentials: { password: { config: { password: input.password } } } } : {}),
      };
      return call('create identity', () => identityApi.createIdentity({ createIdentityBody: body }), {
        409: () => new AppError('IDENTITY_EXISTS', 409, 'An identity with this e-mail exists already'),
        400: (reason) => new AppError('IDENTITY_INVALID', 400, 'Ory refused the identity', { reason }),
      });
    },
    async get(id) {
      return call('get identity', () => identityApi.getIdentity({ id }), { 404: () => null });
    },
    async findByEmail(email) {
      const found = await call('find identity', () => identityApi.listIdentities({ credentialsIdentifier: email }));
      return found[0] ?? null;
    },
    async setRoles(id, roles) {
      const current = await identities.get(id);
      if (!current) throw new AppError('IDENTITY_NOT_FOUND', 404, 'No such identity');
      const metadata = isRecord(current.metadata_admin) ? current.metadata_admin : {};
      return call('set roles', () => identityApi.patchIdentity({ id, jsonPatch: [{ op: 'add', path: '/metadata_admin', value: { ...metadata, roles } }] }), {
        404: () => new AppError('IDENTITY_NOT_FOUND', 404, 'No such identity'),
      });
    },
    async list(page = {}) {
      const res = await callRaw('list identities', () => identityApi.listIdentities({ pageSize: page.pageSize, pageToken: page.pageToken }));
      const next = nextPageToken(res.headers.link);
      return { identities: res.data, ...(next ? { nextPageToken: next } : {}) };
    },
  };

  const patch = (action: 'insert' | 'delete', tuples: RelationTuple[]) =>
    tuples.length === 0
      ? Promise.resolve()
      : call(`${action} relation tuples`, () => relationships.patchRelationships({ relationshipPatch: tuples.map((t) => ({ action, relation_tuple: t })) })).then(() => undefined);

  const keto: Ory['keto'] = {
    async check({ namespace, object, relation, subject }) {
      const who =
        typeof subject === 'string'
          ? { subjectId: subject }
          : { subjectSetNamespace: subject.namespace, subjectSetObject: subject.object, subjectSetRelation: subject.relation };
      const result = await call('check permission', () => permissions.checkPermission({ namespace, object, relation, ...who }));
      return result.allowed === true;
    },
    write: (tuples) => patch('insert', tuples),
    delete: (tuples) => patch('delete', tuples),
    async list(query) {
      const set = query.subject_set;
      const result = await call('list relation tuples', () =>
        relationshipReader.getRelationships({
          namespace: query.namespace,
          object: query.object,
          relation: query.relation,
          subjectId: query.subject_id,
          subjectSetNamespace: set?.namespace,
          subjectSetObject: set?.object,
          subjectSetRelation: set?.relation,
          pageSize: query.pageSize,
          pageToken: query.pageToken,
        }),
      );
      const tuples = (result.relation_tuples ?? []).map(fromRelationship);
      return { tuples, ...(result.next_page_token ? { nextPageToken: result.next_page_token } : {}) };
    },
  };

  return {
    async whoami({ cookie, token }) {
      if (!cookie && !token) return null;
      return call('whoami', () => frontend.toSession({ cookie, xSessionToken: token }), { 401: () => null, 403: () => null });
    },
    identities,
    keto,
    selfService: {
      browserUrl: (kind, returnTo) => `${urls.kratosPublic.replace(/\/+$/, '')}/self-service/${kind}/browser${returnTo ? `?return_to=${encodeURIComponent(returnTo)}` : ''}`,
      async flow(kind, id, cookie) {
        const gone = { 403: () => null, 404: () => null, 410: () => null, 400: () => null };
        const read = {
          login: () => frontend.getLoginFlow({ id, cookie }),
          registration: () => frontend.getRegistrationFlow({ id, cookie }),
          settings: () => frontend.getSettingsFlow({ id, cookie }),
          recovery: () => frontend.getRecoveryFlow({ id, cookie }),
          verification: () => frontend.getVerificationFlow({ id, cookie }),
        }[kind];
        return (await call(`read the ${kind} flow`, read as () => Promise<{ data: unknown }>, gone)) as UiFlow | null;
      },
      async logoutUrl(cookie, returnTo) {
        if (!cookie) return null;
        const flow = await call('create a logout flow', () => frontend.createBrowserLogoutFlow({ cookie, returnTo }), { 401: () => null, 403: () => null });
        return flow?.logout_url ?? null;
      },
    },
    async health() {
      if (config.mode === 'network') {
        // Ory Network has no health endpoint for projects: an anonymous whoami answering 401 proves it serves.
        const state = await probe(`${urls.kratosPublic.replace(/\/+$/, '')}/sessions/whoami`, baseOptions.timeout, [401]);
        return { ok: state === 'ok', checks: { network: state } };
      }
      const entries = await Promise.all(
        Object.entries(urls).map(async ([name, url]) => [name, await probe(`${url.replace(/\/+$/, '')}/health/ready`, baseOptions.timeout, [200])] as const),
      );
      return { ok: entries.every(([, s]) => s === 'ok'), checks: Object.fromEntries(entries) };
    },
  };
}

type Refusals<T> = Partial<Record<number, (reason: string | undefined) => AppError | T>>;

/** Calls Ory and maps failures; a refusal mapped to a value is returned, to an AppError thrown. */
async function call<T>(what: string, request: () => Promise<{ data: T }>, refusals: Refusals<T | null> = {}): Promise<T> {
  return (await callRaw(what, request, refusals)).data;
}

async function callRaw<R extends { data: T }, T>(what: string, request: () => Promise<R>, refusals: Refusals<T | null> = {}): Promise<R> {
  try {
    return await request();
  } catch (err) {
    const status = isAxiosError(err) ? err.response?.status : undefined;
    if (status === undefined || status >= 500) {
      throw new AppError('ORY_UNAVAILABLE', 503, 'The identity and permission service is unavailable', {
        operation: what,
        ...(status ? { status } : { cause: (err as Error).message }),
      });
    }
    const body = (err as { response?: { data?: { error?: { reason?: string; message?: string } } } }).response?.data;
    const refusal = refusals[status];
    if (refusal) {
      const mapped = refusal(body?.error?.reason ?? body?.error?.message);
      if (mapped instanceof AppError) throw mapped;
      return { data: mapped } as R;
    }
    throw new AppError('ORY_REQUEST_REJECTED', 500, `Ory refused the request to ${what}`, { status, error: body?.error });
  }
}

async function probe(url: string, timeout: number, okStatuses: number[]): Promise<string> {
  try {
    const res = await axios.get(url, { timeout, validateStatus: () => true });
    return okStatuses.includes(res.status) ? 'ok' : `HTTP ${res.status}`;
  } catch (err) {
    return `unreachable: ${(err as Error).message}`;
  }
}

/** Kratos pages with `Link: <...page_token=X...>; rel="next"`. */
function nextPageToken(link: unknown): string | undefined {
  if (typeof link !== 'string') return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m?.[1]) return new URL(m[1], 'http://link.invalid').searchParams.get('page_token') ?? undefined;
  }
  return undefined;
}

function fromRelationship(r: Relationship): RelationTuple {
  const base = { namespace: r.namespace, object: r.object, relation: r.relation };
  return r.subject_set ? { ...base, subject_set: r.subject_set } : { ...base, subject_id: r.subject_id ?? '' };
}

const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
