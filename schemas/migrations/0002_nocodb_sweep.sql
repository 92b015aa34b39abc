-- How far the sweep has read each NocoDB table (by the rows' modification time).
create table nocodb_sweep_cursor (
  table_key   text primary key,
  swept_to    timestamptz not null,
  swept_at    timestamptz not null default now(),
  last_count  integer not null default 0
);
comment on table nocodb_sweep_cursor is 'NocoDB webhooks are at most once: the sweep re-reads changed rows by UpdatedAt and feeds the same inbox.';
