-- Billing: the money ledger. Double-entry and append-only: every invoice, payment, refund,
-- fee, grant of a paid period and correction is one transfer whose entries sum to zero per
-- currency; the transfer's id is its idempotency key (a repeat is a no-op). Integer minor
-- units. Positive amounts are debits, negative ones credits. Balances are derived.

create table billing_transfer (
  id          text collate "C" primary key,
  kind        text not null check (kind in ('invoice', 'payment', 'refund', 'fee', 'grant', 'correction', 'reversal')),
  occurred_at timestamptz not null,
  recorded_at timestamptz not null default now(),
  person_id   text,
  -- a reversal (refund, correction) names what it reverses; each transfer is reversed once at most
  reverses    text collate "C" unique references billing_transfer(id),
  memo        jsonb not null default '{}'
);

create table billing_entry (
  id           bigserial primary key,
  transfer_id  text collate "C" not null references billing_transfer(id),
  account      text collate "C" not null,
  currency     char(3) not null,
  amount_minor bigint not null check (amount_minor <> 0)
);
create index billing_entry_transfer on billing_entry (transfer_id);
create index billing_entry_account on billing_entry (account, currency);

create trigger billing_transfer_append_only before update or delete or truncate on billing_transfer
  for each statement execute function billing_append_only();
create trigger billing_entry_append_only before update or delete or truncate on billing_entry
  for each statement execute function billing_append_only();

-- Balanced at commit: a transfer's entries sum to zero in each currency, and it has two at least.
create function billing_transfer_balanced() returns trigger language plpgsql as $$
declare bad record;
begin
  select transfer_id, currency, sum(amount_minor) as total into bad from billing_entry
    where transfer_id = new.transfer_id group by transfer_id, currency having sum(amount_minor) <> 0 limit 1;
  if found then
    raise exception 'transfer % does not balance in %: %', bad.transfer_id, bad.currency, bad.total using errcode = '23514';
  end if;
  return null;
end $$;
create constraint trigger billing_entry_balanced after insert on billing_entry
  deferrable initially deferred for each row execute function billing_transfer_balanced();

create view billing_balance as
  select account, currency, sum(amount_minor)::bigint as balance_minor, count(*)::int as entries
  from billing_entry group by account, currency;
comment on view billing_balance is 'Billing: the balance of every account in each currency (debits positive), derived from the entries.';
