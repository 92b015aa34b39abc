-- Identity (issue 3): every relation tuple the identity capability wrote to Keto, so that
-- it deletes what it wrote without listing Keto, and never deletes what others wrote on
-- shared objects (Role:*, Contact:crm, Report:operations). subject is an identity id or
-- `Namespace:object#relation` for a subject set (relation may be empty).
create table identity_keto_tuple (
  namespace  text not null,
  object     text not null,
  relation   text not null,
  subject    text not null,
  written_at timestamptz not null default now(),
  primary key (namespace, object, relation, subject)
);
create index identity_keto_tuple_subject_idx on identity_keto_tuple (subject, namespace, relation);
comment on table identity_keto_tuple is
  'Identity: the Keto relation tuples derived from NocoDB (groups, mentors, workbooks, subscriptions, people roles). Read-only for staff; rebuilt by reconciliation.';
