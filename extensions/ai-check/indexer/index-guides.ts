import type pg from 'pg';
import type { Logger } from 'pino';
import { inTransaction } from '../../../kernel/db.ts';
import { notFound } from '../../../kernel/errors.ts';
import type { Embedder } from '../embeddings.ts';
import { chunkGuide, sha256 } from './chunks.ts';
import { openDocsRepository } from './docs-repository.ts';
import { diffEditions, type SectionDiff } from './edition-diff.ts';
import { readGuideFolders, type GuideFolder } from './guide-folder.ts';
import * as store from './knowledge-store.ts';

export interface IndexerDeps {
  db: pg.Pool;
  log: Logger;
  /**
   * Only when embeddings are configured; chunks are then embedded once, when first stored,
   * paid from the monthly budget: when it cannot pay, the guide is not re-indexed (BudgetRefused)
   * and retrieval keeps the version indexed before.
   */
  embedder?: Embedder | null;
}

export interface GuideIndexReport {
  slug: string;
  edition: string;
  versionId: string;
  /** unchanged: the current version already has this content; restored: an older version came back. */
  status: 'indexed' | 'unchanged' | 'restored';
  chunks: number;
  /** Chunk rows written now (new content); everything else was already stored. */
  inserted: number;
  added: number;
  removed: number;
  kept: number;
}

export async function indexGuide(deps: IndexerDeps, guide: GuideFolder, source: string): Promise<GuideIndexReport> {
  const { db, log, embedder } = deps;
  const { manifest } = guide;
  const chunks = chunkGuide(manifest.slug, guide.files);
  const contentHash = sha256(JSON.stringify([manifest.title, manifest.language, manifest.edition, chunks.map((c) => c.id)]));
  const report = (status: GuideIndexReport['status'], versionId: string, counts: Partial<GuideIndexReport> = {}): GuideIndexReport => ({
    slug: manifest.slug, edition: manifest.edition, versionId, status, chunks: chunks.length,
    inserted: 0, added: 0, removed: 0, kept: chunks.length, ...counts,
  });

  const current = await store.currentVersion(db, manifest.slug);
  if (current?.content_hash === contentHash) return report('unchanged', current.id);

  // Embeddings are fetched before the transaction (a slow network call) and only for new content.
  const known = await store.existingChunkIds(db, chunks.map((c) => c.id));
  const fresh = chunks.filter((c) => !known.has(c.id));
  const embeddings = new Map<string, number[]>();
  if (embedder && fresh.length) {
    const vectors = await embedder.embed(fresh.map((c) => `${c.heading}\n\n${c.content}`), { what: `embedding ${fresh.length} new passages of guide ${manifest.slug}` });
    fresh.forEach((c, i) => embeddings.set(c.id, vectors[i]!));
  }

  const result = await inTransaction(db, async (tx) => {
    await store.lockGuide(tx, manifest.slug);
    await store.upsertGuide(tx, manifest);
    const now = await store.currentVersion(tx, manifest.slug);
    if (now?.content_hash === contentHash) return report('unchanged', now.id);
    const before = new Set(now ? await store.versionChunkIds(tx, now.id) : []);
    const after = new Set(chunks.map((c) => c.id));
    const kept = [...after].filter((id) => before.has(id)).length;
    const counts = { added: after.size - kept, removed: before.size - kept, kept };
    const old = await store.versionByHash(tx, manifest.slug, contentHash);
    if (old) {
      await store.setCurrentVersion(tx, manifest.slug, old.id, [...after]);
      return report('restored', old.id, counts);
    }
    const inserted = await store.insertChunks(tx, manifest, fresh, embeddings, embedder?.model ?? null);
    const versionId = await store.insertVersion(tx, { slug: manifest.slug, edition: manifest.edition, contentHash, source, chunks, ...counts });
    await store.setCurrentVersion(tx, manifest.slug, versionId, [...after]);
    return report('indexed', versionId, { inserted, ...counts });
  });
  log.info({ component: 'ai-check', indexer: result }, 'guide indexed');
  return result;
}

/** Indexes every guide of a docs repository (a local folder or a git URL). */
export async function indexDocsRepository(deps: IndexerDeps, location: { location: string; cacheDir: string; branch?: string }): Promise<GuideIndexReport[]> {
  const checkout = await openDocsRepository(location);
  const source = checkout.revision ? `${checkout.source}@${checkout.revision}` : checkout.source;
  const reports: GuideIndexReport[] = [];
  for (const guide of await readGuideFolders(checkout.dir)) reports.push(await indexGuide(deps, guide, source));
  return reports;
}

/** Paragraph-level changes per section between two editions of a guide. */
export async function editionChanges(db: pg.Pool, slug: string, from: string, to: string): Promise<SectionDiff[]> {
  const [before, after] = await Promise.all([store.editionParagraphs(db, slug, from), store.editionParagraphs(db, slug, to)]);
  if (!before) throw notFound('EDITION_NOT_FOUND', `guide ${slug} has no indexed edition ${from}`);
  if (!after) throw notFound('EDITION_NOT_FOUND', `guide ${slug} has no indexed edition ${to}`);
  return diffEditions(before, after);
}
