/** Sessions: issued on registration and login, found by token (X-Session-Token, Bearer or cookie). */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Response } from 'express';
import { readCookie } from './cookies.ts';
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

  /** A login with `refresh=true`: the same session, authenticated now. */
  reauthenticate(session: StoredSession): StoredSession {
    session.authenticated_at = this.clock().toISOString();
    this.store.commit();
    return session;
  }

  /** Whether the session was authenticated within `maxAgeMs` (Kratos' privileged_session_max_age). */
  isPrivileged(session: StoredSession, maxAgeMs: number): boolean {
    return Date.parse(session.authenticated_at) + maxAgeMs > this.clock().getTime();
  }

  logoutToken(session: StoredSession): string {
    if (!session.logout_token) {
      session.logout_token = `ory_lo_${randomBytes(24).toString('base64url')}`;
      this.store.commit();
    }
    return session.logout_token;
  }

  byLogoutToken(token: unknown): StoredSession | undefined {
    return typeof token === 'string' && token ? this.store.sessions.find((s) => s.logout_token === token) : undefined;
  }

  revoke(session: StoredSession): void {
    this.store.sessions = this.store.sessions.filter((s) => s.id !== session.id);
    this.store.commit();
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
  return readCookie(headers, SESSION_COOKIE);
}

/** kratos.yml `session.cookie`: HttpOnly, SameSite=Lax, path /, for the session's lifespan. */
export function setSessionCookie(res: Response, session: StoredSession, secure: boolean): void {
  res.cookie(SESSION_COOKIE, session.token, { httpOnly: true, sameSite: 'lax', path: '/', secure, expires: new Date(session.expires_at) });
}

export function clearSessionCookie(res: Response, secure: boolean): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', path: '/', secure });
}
