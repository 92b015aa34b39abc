/** Sessions: issued on registration and login, found by token (X-Session-Token, Bearer or cookie). */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Identities } from './identities.ts';
import type { StandinStore, StoredIdentity, StoredSession } from './store.ts';

export const SESSION_COOKIE = 'ory_kratos_session';

export class Sessions {
  constructor(
    private readonly store: StandinStore,
    private readonly identities: Identities,
    private readonly lifespanMs: number,
    private readonly clock: () => Date,
  ) {}

  issue(identity: StoredIdentity, method: StoredSession['method']): StoredSession {
    const now = this.clock();
    const session: StoredSession = {
      id: randomUUID(),
      token: `ory_st_${randomBytes(24).toString('base64url')}`,
      identity_id: identity.id,
      method,
      issued_at: now.toISOString(),
      authenticated_at: now.toISOString(),
      expires_at: new Date(now.getTime() + this.lifespanMs).toISOString(),
    };
    this.store.sessions.push(session);
    this.store.commit();
    return session;
  }

  /** The active session of a token with an active identity, or undefined. */
  find(token: string | undefined): { session: StoredSession; identity: StoredIdentity } | undefined {
    if (!token) return undefined;
    const session = this.store.sessions.find((s) => s.token === token);
    if (!session || Date.parse(session.expires_at) <= this.clock().getTime()) return undefined;
    const identity = this.identities.get(session.identity_id);
    if (!identity || identity.state !== 'active') return undefined;
    return { session, identity };
  }

  ofIdentity(identityId: string): StoredSession[] {
    return this.store.sessions.filter((s) => s.identity_id === identityId);
  }

  revokeAll(identityId: string): void {
    this.store.sessions = this.store.sessions.filter((s) => s.identity_id !== identityId);
    this.store.commit();
  }

  /** The `session` object of kratos-api.json. */
  view(session: StoredSession, identity: StoredIdentity, admin: boolean): Record<string, unknown> {
    return {
      id: session.id,
      active: Date.parse(session.expires_at) > this.clock().getTime(),
      expires_at: session.expires_at,
      authenticated_at: session.authenticated_at,
      authenticator_assurance_level: 'aal1',
      authentication_methods: [{ method: session.method, aal: 'aal1', completed_at: session.authenticated_at }],
      issued_at: session.issued_at,
      identity: this.identities.view(identity, { admin }),
      devices: [],
    };
  }
}

/** The session token of a request: X-Session-Token, `Authorization: Bearer`, or the session cookie. */
export function sessionToken(headers: { [name: string]: string | string[] | undefined }): string | undefined {
  const header = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const token = header('x-session-token');
  if (token) return token;
  const auth = header('authorization');
  if (auth?.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim();
  const cookie = header('cookie');
  for (const part of cookie?.split(';') ?? []) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return decodeURIComponent(value.join('='));
  }
  return undefined;
}
