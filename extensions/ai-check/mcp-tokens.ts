import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { badRequest, conflict } from '../../kernel/errors.ts';

/**
 * Personal MCP tokens (0306): `sch_mcp_<43 chars>` shown once when minted, kept as their
 * SHA-256 only. A token is the person's own, for their own assistant: `read` lets it list
 * and search, `check` also asks for checks. Revoked tokens stop at once.
 */
export type McpScope = 'read' | 'check';
export const MCP_TOKEN_PREFIX = 'sch_mcp_';
/** How many live tokens a person may hold (a leaked page cannot mint without end). */
export const MAX_LIVE_TOKENS = 10;

export interface McpTokenInfo { id: string; name: string; scope: McpScope; createdAt: string; lastUsedAt: string | null; revokedAt: string | null }

const digest = (token: string) => createHash('sha256').update(token).digest();

export async function mintToken(db: Pool, identityId: string, p: { name: string; scope: McpScope }): Promise<{ token: string; info: McpTokenInfo }> {
  const name = p.name.trim();
  if (!name || name.length > 80) throw badRequest('REQUEST_INVALID', 'a token needs a name of at most 80 characters');
  const live = await db.query<{ n: number }>('select count(*)::int as n from ai_mcp_token where identity_id = $1 and revoked_at is null', [identityId]);
  if (live.rows[0]!.n >= MAX_LIVE_TOKENS) throw conflict('MCP_TOKEN_LIMIT', `at most ${MAX_LIVE_TOKENS} live tokens: revoke one first`);
  const token = `${MCP_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const { rows } = await db.query(
    `insert into ai_mcp_token (id, identity_id, name, scope, token_sha256) values ($1, $2, $3, $4, $5)
     returning id, name, scope, created_at, last_used_at, revoked_at`, [randomUUID(), identityId, name, p.scope, digest(token)]);
  return { token, info: toInfo(rows[0]!) };
}

export async function tokensOf(db: Pool, identityId: string): Promise<McpTokenInfo[]> {
  const { rows } = await db.query(`select id, name, scope, created_at, last_used_at, revoked_at from ai_mcp_token where identity_id = $1 order by created_at desc limit 50`, [identityId]);
  return rows.map(toInfo);
}

/** Revokes one of the person's own tokens; another's id changes nothing (false). */
export async function revokeToken(db: Pool, identityId: string, id: string): Promise<boolean> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return false;
  const r = await db.query('update ai_mcp_token set revoked_at = now() where id = $1 and identity_id = $2 and revoked_at is null', [id, identityId]);
  return (r.rowCount ?? 0) > 0;
}

/** The identity and scope of a live token, noting its use; null for anything else. */
export async function resolveToken(db: Pool, token: string): Promise<{ identityId: string; scope: McpScope } | null> {
  if (!token.startsWith(MCP_TOKEN_PREFIX) || token.length > 100) return null;
  const { rows } = await db.query<{ identity_id: string; scope: McpScope }>(
    `update ai_mcp_token set last_used_at = now() where token_sha256 = $1 and revoked_at is null returning identity_id, scope`, [digest(token)]);
  return rows[0] ? { identityId: rows[0].identity_id, scope: rows[0].scope } : null;
}

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : null);
const toInfo = (r: Record<string, unknown>): McpTokenInfo => ({
  id: r.id as string, name: r.name as string, scope: r.scope as McpScope, createdAt: iso(r.created_at)!, lastUsedAt: iso(r.last_used_at), revokedAt: iso(r.revoked_at),
});
