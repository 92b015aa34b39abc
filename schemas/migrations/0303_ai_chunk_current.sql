-- AI checks (issue 5), part 4: retrieval reads the current edition from one table.
-- A chunk row carries is_current while it belongs to its guide's current version; only a
-- paragraph that leaves (or comes back to) the current edition has its row touched, and
-- the full-text and section indexes cover current chunks only.

alter table ai_chunk add column is_current boolean not null default true;

update ai_chunk c set is_current = exists (
  select 1 from ai_guide g join ai_guide_version_chunk m on m.version_id = g.current_version_id
  where g.slug = c.guide_slug and m.chunk_id = c.id);

drop index ai_chunk_tsv_idx;
create index ai_chunk_tsv_idx on ai_chunk using gin (tsv) where is_current;
drop index ai_chunk_guide_idx;
create index ai_chunk_guide_idx on ai_chunk (guide_slug) where is_current;
create index ai_chunk_sections_idx on ai_chunk using gin (section_slugs) where is_current;

comment on table ai_chunk is 'Content-addressed paragraphs of guides; content is never rewritten (is_current follows the current edition), old editions stay diffable.';
