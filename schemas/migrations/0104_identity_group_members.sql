-- Identity (issue 10): who is in which group, as NocoDB's Groups.Members link says and as
-- Keto was told (Group:group-<Id>#members@<identity>). Other capabilities read group
-- membership here, never from a table of their own: the link fires no webhook, and this
-- mirror is kept current by the sweep, the webhooks of people and groups, and reconciliation.
create view identity_group_member as
select object as group_object, (substr(object, 7))::bigint as group_row_id, subject::uuid as identity_id
from identity_keto_tuple
where namespace = 'Group' and relation = 'members' and object ~ '^group-[0-9]{1,18}$'
  and subject ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
comment on view identity_group_member is
  'Identity: members of each group (NocoDB Groups.Members, as written to Keto). group_object is the Keto object (group-<Id>). Read-only.';
