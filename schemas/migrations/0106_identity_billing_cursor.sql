-- Identity writes billing's holders to Keto: how far it has read billing_entitlement_change.
create table identity_billing_cursor (
  id         boolean primary key default true check (id),
  last_id    bigint not null default 0,
  updated_at timestamptz not null default now()
);
insert into identity_billing_cursor default values;
