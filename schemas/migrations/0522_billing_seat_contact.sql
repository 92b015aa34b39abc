-- Billing: a seat pack's contact at the organisation (NocoDB Seat packs.Contact, lower-cased).
-- Whoever signs in with that e-mail verified in Kratos lists, gives and frees the pack's seats
-- (extensions/billing/seat-contact.ts), through the same path as staff's assignments.
alter table billing_seat_pack add column contact text;
create index billing_seat_pack_contact on billing_seat_pack (contact) where contact is not null and not deleted;
alter table billing_seat_assignment add column email text; -- the e-mail the contact gave the seat to (staff's rows: null)
