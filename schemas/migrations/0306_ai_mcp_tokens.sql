-- Personal MCP tokens (issue 15): a student mints one on /assistant for their own assistant
-- (Claude Desktop through mcp-remote, the MCP Inspector), scoped to reading or also asking
-- for checks, bound to their identity, revocable. Only the SHA-256 of a token is kept.
create table ai_mcp_token (
  id           uuid primary key,
  identity_id  text not null,
  name         text not null check (length(name) between 1 and 80),
  scope        text not null check (scope in ('read', 'check')),
  token_sha256 bytea not null unique,
  created_at   timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);
create index ai_mcp_token_identity on ai_mcp_token (identity_id, created_at desc);
