-- Billing (issue 13): the catalog as staff keep it in NocoDB (Products, Plans, Prices, Price
-- schedules), mirrored here so that selling and entitlements never wait on NocoDB's row
-- API; and the price versions, immutable once effective.

create function billing_append_only() returns trigger language plpgsql as $$
begin
  raise exception '% is append-only: book a compensating row instead', tg_table_name;
end $$;

create table billing_setting (
  key        text primary key,
  value      text not null,
  updated_at timestamptz not null default now()
);
comment on table billing_setting is 'Billing: settings the views need (time_zone: the school''s zone, where a paid day ends). Written by the service at start.';

-- The school's date: a subscription holds to the end of its last day in this zone.
create function billing_today() returns date language sql stable security definer set search_path = public, pg_temp as $$
  select (now() at time zone coalesce((select value from billing_setting where key = 'time_zone'), 'UTC'))::date
$$;

create table billing_product (
  id            integer primary key,              -- NocoDB Products.Id
  code          text,
  title         text not null,
  kind          text not null check (kind in ('subscription', 'course', 'training', 'internship', 'workshop', 'seminar')),
  telegram_chat text,
  group_id      integer,                          -- NocoDB Groups.Id whose members it grants
  guides        text[] not null default '{}',     -- guide slugs it opens
  deleted       boolean not null default false,
  updated_at    timestamptz not null default now()
);
comment on table billing_product is 'Billing: what the school sells (mirror of NocoDB Products): what each grants.';

create table billing_plan (
  id                  integer primary key,        -- NocoDB Plans.Id
  product_id          integer,
  title               text not null,
  duration            text not null check (duration in ('month', 'quarter', 'year', '2 years', 'fixed dates')),
  starts_on           date,                       -- fixed dates only
  ends_on             date,
  jurisdiction        text not null check (jurisdiction in ('ru', 'world')),
  currency            char(3) not null,
  archived            boolean not null default false,
  renewal_keeps_price boolean not null default false,
  trial_days          integer not null default 0 check (trial_days >= 0),
  installments        integer not null default 1 check (installments between 1 and 24),
  deleted             boolean not null default false,
  updated_at          timestamptz not null default now()
);
comment on table billing_plan is 'Billing: how a product is sold (mirror of NocoDB Plans): duration, jurisdiction and currency, archived, renewal price rule.';

-- Price rows and schedule rules as staff last wrote them in NocoDB (the inputs of versions).
create table billing_price_rule (
  nocodb_table text not null check (nocodb_table in ('prices', 'price_schedules')),
  row_id       integer not null,
  plan_id      integer,
  rule         jsonb not null,
  deleted      boolean not null default false,
  updated_at   timestamptz not null default now(),
  primary key (nocodb_table, row_id)
);
comment on table billing_price_rule is 'Billing: the price rows and price schedule rules of NocoDB as last seen; versions are made from them.';

-- What a plan costs from a date. Immutable: a change is a new version from its date, never an
-- edit; what was sold keeps the version it was sold at (billing_subscription.price_version_id).
create table billing_price_version (
  id           bigserial primary key,
  plan_id      integer not null,
  amount_minor bigint not null check (amount_minor >= 0),
  currency     char(3) not null,
  valid_from   date not null,
  -- where it came from: 'price:<row>' or 'schedule:<row>:<step>'
  origin       text not null,
  recorded_at  timestamptz not null default now(),
  unique (plan_id, valid_from, amount_minor, origin)
);
create index billing_price_version_plan on billing_price_version (plan_id, valid_from desc, id desc);
create trigger billing_price_version_append_only before update or delete or truncate on billing_price_version
  for each statement execute function billing_append_only();
comment on table billing_price_version is 'Billing: prices as immutable versions, each valid from a date (append-only).';
