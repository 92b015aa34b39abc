-- AI checks (issue 5), part 1: the knowledge base built from the guides' Markdown.
-- A chunk is one paragraph (or list, code block) of a guide section, content-addressed:
-- its id is derived from the guide, the section path and the content hash, so an
-- unchanged paragraph keeps its id and row across editions and is never re-indexed.

create table ai_guide (
  slug               text primary key,
  title              text not null,
  language           text not null check (language in ('ru', 'en')),
  current_version_id bigint,
  updated_at         timestamptz not null default now()
);
comment on table ai_guide is 'Guides known to the AI check, with the version retrieval uses now.';

create table ai_guide_version (
  id           bigserial primary key,
  guide_slug   text not null references ai_guide(slug),
  edition      text not null,
  content_hash text not null,
  source       text not null,
  chunk_count  integer not null,
  added        integer not null,
  removed      integer not null,
  kept         integer not null,
  indexed_at   timestamptz not null default now(),
  constraint ai_guide_version_content_unique unique (guide_slug, content_hash)
);
comment on table ai_guide_version is 'Every distinct content of a guide ever indexed (edition label from guide.json or front matter).';

alter table ai_guide add constraint ai_guide_current_version_fk
  foreign key (current_version_id) references ai_guide_version(id);

create table ai_chunk (
  id             text primary key,
  guide_slug     text not null references ai_guide(slug),
  section_path   text not null,
  section_slugs  text[] not null,
  heading        text not null,
  content        text not null,
  content_hash   text not null,
  ts_config      regconfig not null,
  tsv            tsvector generated always as (
                   setweight(to_tsvector(ts_config, heading), 'A') || setweight(to_tsvector(ts_config, content), 'B')) stored,
  embedding      float4[],
  embedding_model text,
  created_at     timestamptz not null default now()
);
create index ai_chunk_tsv_idx on ai_chunk using gin (tsv);
create index ai_chunk_guide_idx on ai_chunk (guide_slug);
comment on table ai_chunk is 'Content-addressed paragraphs of guides; rows are never rewritten, old editions stay diffable.';

create table ai_guide_version_chunk (
  version_id bigint not null references ai_guide_version(id),
  chunk_id   text not null references ai_chunk(id),
  position   integer not null,
  primary key (version_id, chunk_id)
);
create index ai_guide_version_chunk_chunk_idx on ai_guide_version_chunk (chunk_id);

-- Cosine similarity of two embeddings (pgvector is not available in the embedded build).
create function ai_cosine(a float4[], b float4[]) returns float8
language sql immutable parallel safe as $$
  select case when coalesce(sum(x * x), 0) = 0 or coalesce(sum(y * y), 0) = 0 then 0
              else sum(x * y) / (sqrt(sum(x * x)) * sqrt(sum(y * y))) end
  from unnest(a, b) as t(x, y)
$$;
