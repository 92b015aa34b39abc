-- Kernel (issue 9): one policy for a payload that can never be handled. It does not match
-- its topic's schema (schemas/topics.ts), or its consumer says so (InvalidPayload): the job
-- becomes 'invalid' with the issues, is never retried, and staff see it in the NocoDB grid
-- inbox_invalid (the read-only service source).
alter table inbox_job drop constraint if exists inbox_job_status_check;
alter table inbox_job add constraint inbox_job_status_check check (status in ('pending', 'done', 'dead', 'invalid'));
alter table inbox_job add column if not exists issues jsonb;

create view inbox_invalid as
select j.event_id, e.source, e.topic, j.consumer, e.delivery_id,
       coalesce((select string_agg(coalesce(nullif(i->>'path', ''), '(payload)') || ': ' || (i->>'message'), E'\n')
                 from jsonb_array_elements(j.issues) i), j.last_error) as issues,
       e.received_at, j.done_at as marked_at, left(e.payload::text, 2000) as payload
from inbox_job j join inbox_event e on e.id = j.event_id
where j.status = 'invalid';
comment on view inbox_invalid is 'Inbox events a consumer can never handle as they are: the field and what is wrong with it. Never retried; a sender must send them again, corrected.';
