import { createHash } from 'node:crypto';
import type { Ory, Session } from './client.ts';

/**
 * A short memory of Ory's answers, as Ory's own gateway (Oathkeeper) keeps one: a page
 * costs a Kratos whoami and a Keto check, which at 50 concurrent students are the slowest
 * part of a page once NocoDB is off it. For `sessionTtlMs` a session answered for a cookie
 * or token is taken as it was (never past its own expires_at; a sign-out through
 * `selfService.logoutUrl` forgets it at once); for `checkTtlMs` a permission answered stays
 * answered, and every tuple this process writes or deletes forgets all of them, so our own
 * grants and revocations take effect at once. Changes made elsewhere (Ory's console, an
 * admin ending a session) reach us within the TTL. No session, or an error, is never kept.
 */
export interface OryCacheOptions {
  sessionTtlMs: number;
  checkTtlMs: number;
  /** Entries kept per kind at most; the oldest go first. Default 10,000. */
  maxEntries?: number;
  now?: () => number;
}

class TtlMap<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  constructor(private readonly max: number, private readonly now: () => number) {}

  get(key: string): V | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.until <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return hit.value;
  }

  set(key: string, value: V, ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, until: this.now() + ttlMs });
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

const credentialKey = (c: { cookie?: string; token?: string }) =>
  createHash('sha256').update(`${c.cookie ?? ''}\u0000${c.token ?? ''}`).digest('base64url');

export function cachedOry(ory: Ory, opts: OryCacheOptions): Ory {
  const now = opts.now ?? Date.now;
  const max = opts.maxEntries ?? 10_000;
  const sessions = new TtlMap<Session>(max, now);
  const checks = new TtlMap<boolean>(max, now);
  // Bumped by every tuple write: an answer Keto gave before a write landed is not kept after it.
  let generation = 0;
  const forget = () => {
    generation++;
    checks.clear();
  };
  if (opts.sessionTtlMs <= 0 && opts.checkTtlMs <= 0) return ory;

  return {
    ...ory,
    async whoami(credentials) {
      const key = credentialKey(credentials);
      const known = sessions.get(key);
      if (known) return known;
      const session = await ory.whoami(credentials);
      if (session?.identity && session.active !== false) {
        const expires = session.expires_at ? new Date(session.expires_at).getTime() - now() : Infinity;
        sessions.set(key, session, Math.min(opts.sessionTtlMs, expires));
      }
      return session;
    },
    keto: {
      ...ory.keto,
      async check(query) {
        const key = `${query.namespace}:${query.object}#${query.relation}@${query.subject}`;
        const known = checks.get(key);
        if (known !== undefined) return known;
        const asked = generation;
        const allowed = await ory.keto.check(query);
        if (asked === generation) checks.set(key, allowed, opts.checkTtlMs);
        return allowed;
      },
      async write(tuples) {
        try {
          await ory.keto.write(tuples);
        } finally {
          forget();
        }
      },
      async delete(tuples) {
        try {
          await ory.keto.delete(tuples);
        } finally {
          forget();
        }
      },
    },
    selfService: {
      ...ory.selfService,
      async logoutUrl(cookie, returnTo) {
        sessions.delete(credentialKey({ cookie }));
        return ory.selfService.logoutUrl(cookie, returnTo);
      },
    },
  };
}
