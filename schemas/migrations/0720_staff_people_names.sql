-- Staff views (issue 12, NocoDB "Service data (read-only)"): a person is shown by name and
-- e-mail beside their Ory identity id, not by the id alone. The service knows a name from
-- points_person.display_name (copied from Kratos traits by the points capability) and an
-- e-mail from the person's linked e-mail aliases (points_person_alias, source email).
-- Each view keeps its columns, names and types as they were (the service reads some of
-- them) and gains person_name and person_email at the end. billing_paid_months is left as it
-- is: the figures read it whole by month, and a join there would cost them on every read.

-- One row per person the service knows; not a staff view itself (the reader role may not
-- select it), the staff views read it with their owner's rights.
create view staff_person as
  select p.person_id::text as person_id, p.display_name as person_name,
    (select string_agg(a.external_id, ', ' order by a.linked_at, a.external_id)
       from points_person_alias a where a.person_id = p.person_id and a.source = 'email') as person_email
  from points_person p;
-- The staff views join it by the identity id as text (billing and Telegram keep it so): the
-- service's own reads of them by person (a person's subscriptions page) stay index lookups.
create index points_person_id_text on points_person ((person_id::text));

create or replace view billing_subscriptions as
  select s.id, s.person_id, s.product_id, p.title as product, s.plan_id, pl.title as plan, s.kind, s.status,
    s.starts_on, s.ends_on, s.price_minor, s.currency, s.source, s.created_at, s.updated_at,
    (s.status in ('trial', 'active', 'past_due') and s.starts_on <= billing_today() and (s.ends_on is null or s.ends_on >= billing_today())) as holds_today,
    who.person_name, who.person_email
  from billing_subscription s
  left join billing_product p on p.id = s.product_id
  left join billing_plan pl on pl.id = s.plan_id
  left join staff_person who on who.person_id = s.person_id;

create or replace view billing_grants as
  select g.row_id as grant_row, g.person_id, g.plan_id, pl.title as plan, g.kind, g.reason, g.outcome, g.subscription_id,
    s.status, s.starts_on, s.ends_on, g.updated_at, who.person_name, who.person_email
  from billing_grant g
  left join billing_plan pl on pl.id = g.plan_id
  left join billing_subscription s on s.id = g.subscription_id
  left join staff_person who on who.person_id = g.person_id;

create or replace view billing_seat_assignments as
  select a.row_id as assignment_row, a.pack_id as pack_row, p.organisation, a.person_id, a.outcome, a.holds, a.freed_reason,
    a.subscription_id, s.status, s.starts_on, s.ends_on, a.updated_at, who.person_name, coalesce(who.person_email, a.email) as person_email
  from billing_seat_assignment a
  left join billing_seat_pack p on p.id = a.pack_id
  left join billing_subscription s on s.id = a.subscription_id
  left join staff_person who on who.person_id = a.person_id;

create or replace view billing_installments as
  select i.subscription_id, substr(s.source, 14) as order_id, s.person_id, s.plan_id, pl.title as plan, s.status as subscription_status,
    i.n, i.due_on, i.amount_minor, i.currency, i.state, i.invoice_transfer_id, i.paid_transfer_id, i.updated_at,
    who.person_name, who.person_email
  from billing_installment i
  join billing_subscription s on s.id = i.subscription_id
  left join billing_plan pl on pl.id = s.plan_id
  left join staff_person who on who.person_id = s.person_id;

create or replace view billing_orders as
  select o.id as order_id, o.person_id, o.plan_id, pl.title as plan, o.amount_minor, o.currency, o.status as order_status,
    a.id as attempt_id, a.provider, a.status as attempt_status, a.provider_payment_id, o.created_at, a.updated_at,
    who.person_name, who.person_email
  from billing_order o left join billing_attempt a on a.order_id = o.id left join billing_plan pl on pl.id = o.plan_id
  left join staff_person who on who.person_id = o.person_id;

create or replace view billing_notices as
  select n.id, n.kind, n.person_id, n.order_id, n.subscription_id, n.ends_on, n.days_before, n.status, n.channel,
    n.attempts, n.last_error, n.created_at, n.sent_at, who.person_name, who.person_email
  from billing_notice n
  left join staff_person who on who.person_id = n.person_id;

create or replace view telegram_access_removals as
  select r.run_id, u.listed_at, u.mode, r.chat_id, r.telegram_user_id, r.person_id, r.decision, r.reason,
    r.removable_from, coalesce(r.outcome, case when r.decision = 'remove' then 'listed: to be removed' else 'listed only' end) as outcome, r.done_at,
    who.person_name, who.person_email
  from telegram_access_removal r join telegram_access_removal_run u on u.id = r.run_id
  left join staff_person who on who.person_id = r.person_id;

create or replace view telegram_access_members as
  select m.chat_id, m.telegram_user_id, l.person_id, m.status, m.in_chat, m.joined_at, m.changed_at,
    exists (select 1 from telegram_access_entitled e where e.chat_id = m.chat_id and e.person_id = l.person_id) as entitled,
    who.person_name, who.person_email
  from telegram_access_member m left join telegram_access_link l on l.telegram_user_id = m.telegram_user_id
  left join staff_person who on who.person_id = l.person_id;

create or replace view telegram_access_invites as
  select i.chat_id, i.person_id, i.name, i.expires_at, i.created_at, i.used_at, i.revoked_at, who.person_name, who.person_email
  from telegram_access_invite i
  left join staff_person who on who.person_id = i.person_id;

create or replace view telegram_access_join_requests as
  select j.chat_id, j.telegram_user_id, j.requested_at, j.person_id, j.decision, j.reason, j.answered_at, who.person_name, who.person_email
  from telegram_access_join_request j
  left join staff_person who on who.person_id = j.person_id;

create or replace view ai_review_queue as
  select r.id as review_id, r.group_id, r.status, r.created_at, c.id as check_id, c.answer_id,
         c.student_id, c.exercise_id, c.exercise_title, c.answer_text, c.reason, c.max_score,
         r.ai_verdict ->> 'verdict' as ai_verdict, (r.ai_verdict ->> 'score')::numeric as ai_score,
         r.ai_verdict ->> 'feedback' as ai_feedback, r.kind, r.note, c.guide_title, c.confidence,
         who.person_name, who.person_email
  from ai_review r join ai_check c on c.id = r.check_id
  left join staff_person who on who.person_id = c.student_id
  where r.status = 'pending';
