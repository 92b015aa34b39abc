-- Points: changes after 0200-0204 were first applied (they may already be in a database).

-- Fewer ledger indexes: each costs every appended line, and a recomputation appends a
-- million. Statements read through (person_id, day); ratings scan. Only compensating
-- lines need the "compensated at most once" index.
alter table points_ledger drop constraint points_ledger_compensates_once;
create unique index points_ledger_compensates_once on points_ledger (compensates) where compensates is not null;
drop index points_ledger_person_booked_idx;
drop index points_ledger_day_idx;

-- A group member's delete may arrive before its insert: the tombstone has no group yet.
alter table points_group_member alter column group_id drop not null, alter column person_id drop not null;
