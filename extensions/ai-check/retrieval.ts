import type pg from 'pg';
import { isBudgetRefused } from './budget.ts';
import type { Embedder } from './embeddings.ts';
import { slugify } from './indexer/chunks.ts';

/**
 * Finds the guide passages relevant to a question or an answer, in the current version
 * of each guide: full-text search in the guide's language (any query word may match,
 * ranked by ts_rank over headings weighted above text), optionally fused with
 * embedding similarity (cosine in SQL) by reciprocal rank. An exercise's own section
 * comes first. The query's embedding is paid from the monthly budget (embeddings.ts); when
 * the budget cannot pay for it, the search is full-text only.
 */
export interface RetrievedChunk {
  id: string;
  guideSlug: string;
  versionId: string;
  sectionPath: string;
  heading: string;
  content: string;
  rank: number;
  ownSection: boolean;
}

export interface SearchQuery {
  text: string;
  guides: string[];
  /** The exercise's section (its heading text or slug): its passages come first. */
  section?: string | null;
  limit: number;
  ownSectionLimit?: number;
  embedder?: Embedder | null;
  /** The check this search is for: the query embedding's cost is booked to it. */
  checkId?: string | null;
}

const COLUMNS = `c.id, c.guide_slug as "guideSlug", g.current_version_id::text as "versionId", c.section_path as "sectionPath",
  c.heading, c.content`;

// The query's words become an OR of their stems: an answer in the student's own words
// should still find the paragraph that shares some of them. Computed once per language,
// then passed as a constant so the GIN index on tsv serves the search.
const QUERY_SQL = `select l.cfg::text as cfg, nullif(array_to_string(array(
    select quote_literal(w) from unnest(tsvector_to_array(to_tsvector(l.cfg, $2))) as w limit 200), ' | '), '') as query
  from (select distinct (case language when 'ru' then 'russian' else 'english' end)::regconfig as cfg
        from ai_guide where slug = any($1::text[]) and current_version_id is not null) l`;

const TEXT_SQL = `select ${COLUMNS}, ts_rank(c.tsv, $3::tsquery, 1) as rank
from ai_chunk c join ai_guide g on g.slug = c.guide_slug
where c.is_current and c.tsv @@ $3::tsquery and c.ts_config = $2::regconfig and c.guide_slug = any($1::text[])
order by rank desc
limit $4`;

const OWN_SECTION_SQL = `select ${COLUMNS}, coalesce(ts_rank(c.tsv, $3::tsquery, 1), 0) as rank
from ai_chunk c join ai_guide g on g.slug = c.guide_slug
where c.is_current and c.section_slugs @> array[$2::text] and c.guide_slug = any($1::text[])
order by rank desc, c.section_path
limit $4`;

const VECTOR_SQL = `select ${COLUMNS}, ai_cosine(c.embedding, $2::float4[]) as rank
from ai_chunk c join ai_guide g on g.slug = c.guide_slug
where c.is_current and c.guide_slug = any($1::text[]) and c.embedding is not null and c.embedding_model = $4
order by rank desc
limit $3`;

type Row = Omit<RetrievedChunk, 'ownSection'>;

function fuse(lists: Row[][], k = 60): Row[] {
  const scores = new Map<string, { row: Row; score: number }>();
  for (const list of lists) {
    list.forEach((row, i) => {
      const entry = scores.get(row.id) ?? { row, score: 0 };
      entry.score += 1 / (k + i + 1);
      scores.set(row.id, entry);
    });
  }
  return [...scores.values()].sort((a, b) => b.score - a.score).map((e) => ({ ...e.row, rank: e.score }));
}

async function queryVector(embedder: Embedder, text: string, checkId: string | null): Promise<number[] | null> {
  try {
    const [vector] = await embedder.embed([text], { checkId, what: 'the search query\'s embedding' });
    return vector ?? null;
  } catch (e) {
    if (isBudgetRefused(e)) return null;
    throw e;
  }
}

export async function searchGuides(db: pg.Pool | pg.PoolClient, q: SearchQuery): Promise<RetrievedChunk[]> {
  if (q.guides.length === 0 || !q.text.trim()) return [];
  const pool = Math.max(q.limit * 4, 20);
  const { rows: queries } = await db.query<{ cfg: string; query: string | null }>(QUERY_SQL, [q.guides, q.text]);
  const matches: Row[] = [];
  for (const { cfg, query } of queries) {
    if (query) matches.push(...(await db.query<Row>(TEXT_SQL, [q.guides, cfg, query, pool])).rows);
  }
  matches.sort((a, b) => Number(b.rank) - Number(a.rank));
  const lists: Row[][] = [matches.slice(0, pool)];
  if (q.embedder) {
    const vector = await queryVector(q.embedder, q.text, q.checkId ?? null);
    if (vector) lists.push((await db.query<Row>(VECTOR_SQL, [q.guides, vector, pool, q.embedder.model])).rows);
  }
  const ranked = lists.length > 1 ? fuse(lists) : lists[0]!;
  const section = q.section ? slugify(q.section) : '';
  const ownQuery = queries.find((x) => x.query)?.query ?? null;
  const own = section && q.ownSectionLimit
    ? (await db.query<Row>(OWN_SECTION_SQL, [q.guides, section, ownQuery, q.ownSectionLimit])).rows : [];
  const ownIds = new Set(own.map((r) => r.id));
  return [
    ...own.map((r) => ({ ...r, rank: Number(r.rank), ownSection: true })),
    ...ranked.filter((r) => !ownIds.has(r.id)).map((r) => ({ ...r, rank: Number(r.rank), ownSection: false })),
  ].slice(0, q.limit);
}
