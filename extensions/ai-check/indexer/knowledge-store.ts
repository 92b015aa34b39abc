import type pg from 'pg';
import type { Chunk } from './chunks.ts';
import type { GuideManifest } from './guide-folder.ts';
import type { Paragraph } from './edition-diff.ts';

/** SQL of the knowledge tables (schemas/migrations/0300_ai_knowledge.sql). */
type Queryable = pg.Pool | pg.PoolClient;

export const TS_CONFIG = { ru: 'russian', en: 'english' } as const;

export interface VersionRow {
  id: string;
  edition: string;
  content_hash: string;
}

export async function lockGuide(tx: pg.PoolClient, slug: string): Promise<void> {
  await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`ai-guide:${slug}`]);
}

export async function upsertGuide(tx: Queryable, m: GuideManifest): Promise<void> {
  await tx.query(`insert into ai_guide (slug, title, language) values ($1, $2, $3)
    on conflict (slug) do update set title = excluded.title, language = excluded.language, updated_at = now()`,
  [m.slug, m.title, m.language]);
}

export async function currentVersion(tx: Queryable, slug: string): Promise<VersionRow | null> {
  const { rows } = await tx.query<VersionRow>(`select v.id::text, v.edition, v.content_hash
    from ai_guide g join ai_guide_version v on v.id = g.current_version_id where g.slug = $1`, [slug]);
  return rows[0] ?? null;
}

export async function versionByHash(tx: Queryable, slug: string, contentHash: string): Promise<VersionRow | null> {
  const { rows } = await tx.query<VersionRow>(`select id::text, edition, content_hash from ai_guide_version
    where guide_slug = $1 and content_hash = $2`, [slug, contentHash]);
  return rows[0] ?? null;
}

export async function versionChunkIds(tx: Queryable, versionId: string): Promise<string[]> {
  const { rows } = await tx.query<{ chunk_id: string }>('select chunk_id from ai_guide_version_chunk where version_id = $1', [versionId]);
  return rows.map((r) => r.chunk_id);
}

export async function existingChunkIds(db: Queryable, ids: string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>('select id from ai_chunk where id = any($1::text[])', [ids]);
  return new Set(rows.map((r) => r.id));
}

/** Inserts chunks not stored yet; a chunk already there (same id, so same content) is left untouched. */
export async function insertChunks(tx: Queryable, guide: GuideManifest, chunks: Chunk[],
  embeddings: Map<string, number[]>, embeddingModel: string | null): Promise<number> {
  if (chunks.length === 0) return 0;
  const { rowCount } = await tx.query(`insert into ai_chunk
      (id, guide_slug, section_path, section_slugs, heading, content, content_hash, ts_config, embedding, embedding_model)
    select t.id, $1, t.section_path, array(select jsonb_array_elements_text(t.slugs)), t.heading, t.content, t.hash,
      $2::regconfig, case when t.embedding = 'null' then null
                          else array(select jsonb_array_elements_text(t.embedding)::float4) end, $3
    from unnest($4::text[], $5::text[], $6::jsonb[], $7::text[], $8::text[], $9::text[], $10::jsonb[])
      as t(id, section_path, slugs, heading, content, hash, embedding)
    on conflict (id) do nothing`, [
    guide.slug, TS_CONFIG[guide.language], embeddingModel,
    chunks.map((c) => c.id), chunks.map((c) => c.sectionPath), chunks.map((c) => JSON.stringify(c.sectionSlugs)),
    chunks.map((c) => c.heading), chunks.map((c) => c.content), chunks.map((c) => c.contentHash),
    chunks.map((c) => JSON.stringify(embeddings.get(c.id) ?? null)),
  ]);
  return rowCount ?? 0;
}

export async function insertVersion(tx: Queryable, v: { slug: string; edition: string; contentHash: string; source: string;
  chunks: Chunk[]; added: number; removed: number; kept: number }): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(`insert into ai_guide_version
      (guide_slug, edition, content_hash, source, chunk_count, added, removed, kept)
    values ($1, $2, $3, $4, $5, $6, $7, $8) returning id::text`,
  [v.slug, v.edition, v.contentHash, v.source, v.chunks.length, v.added, v.removed, v.kept]);
  const id = rows[0]!.id;
  await tx.query(`insert into ai_guide_version_chunk (version_id, chunk_id, position)
    select $1, c, p from unnest($2::text[], $3::int[]) as t(c, p)`,
  [id, v.chunks.map((c) => c.id), v.chunks.map((c) => c.position)]);
  return id;
}

/** Makes a version current; only the chunks that leave or rejoin the current edition are touched. */
export async function setCurrentVersion(tx: Queryable, slug: string, versionId: string, chunkIds: string[]): Promise<void> {
  await tx.query('update ai_guide set current_version_id = $2, updated_at = now() where slug = $1', [slug, versionId]);
  await tx.query(`update ai_chunk set is_current = false where guide_slug = $1 and is_current and not (id = any($2::text[]))`, [slug, chunkIds]);
  await tx.query(`update ai_chunk set is_current = true where id = any($1::text[]) and not is_current`, [chunkIds]);
}

/** The paragraphs of the latest version carrying an edition label, in order. */
export async function editionParagraphs(db: Queryable, slug: string, edition: string): Promise<Paragraph[] | null> {
  const { rows: versions } = await db.query<{ id: string }>(`select id::text from ai_guide_version
    where guide_slug = $1 and edition = $2 order by id desc limit 1`, [slug, edition]);
  if (!versions[0]) return null;
  const { rows } = await db.query<Paragraph>(`select c.id, c.section_path as "sectionPath", c.heading, c.content,
      c.content_hash as "contentHash"
    from ai_guide_version_chunk m join ai_chunk c on c.id = m.chunk_id
    where m.version_id = $1 order by m.position`, [versions[0].id]);
  return rows;
}

export async function listVersions(db: Queryable, slug: string) {
  const { rows } = await db.query<{ id: string; edition: string; chunk_count: number; added: number; removed: number; kept: number; indexed_at: Date; current: boolean }>(
    `select v.id::text, v.edition, v.chunk_count, v.added, v.removed, v.kept, v.indexed_at, (g.current_version_id = v.id) as current
     from ai_guide_version v join ai_guide g on g.slug = v.guide_slug where v.guide_slug = $1 order by v.id`, [slug]);
  return rows;
}
