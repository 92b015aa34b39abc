import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { expect } from 'chai';
import { indexDocsRepository } from '../../extensions/ai-check/indexer/index-guides.ts';
import type { Embedder } from '../../extensions/ai-check/embeddings.ts';
import { searchGuides, type RetrievedChunk } from '../../extensions/ai-check/retrieval.ts';
import { freshDatabase, testLog, type TestDatabase } from '../support/stack.ts';
import { createGuideRepo, EN_DYNAMICS, EN_INDEX, LABELLED_QUESTIONS, RU_BOUNDARIES, RU_ROLES, type GuideRepo } from './support/guides.ts';
import { startModelServer, type ModelServer } from './support/model-server.ts';
import { testEmbedder } from './support/embedder.ts';

// Distractors: notes made of the guide's own words in random order, so that every query
// word also appears in passages that do not answer it.
function noise(text: string, heading: string, paragraphs: number, seed: number): string {
  const vocabulary = text.split(/[^\p{L}]+/u).filter((w) => w.length > 3);
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const out: string[] = [];
  for (let p = 0; p < paragraphs; p++) {
    out.push(`# ${heading} ${p + 1}`, Array.from({ length: 25 }, () => vocabulary[Math.floor(next() * vocabulary.length)]).join(' ') + '.');
  }
  return out.join('\n\n');
}

const inSection = (chunk: RetrievedChunk, section: string) =>
  chunk.sectionPath.endsWith(`#${section}`) || chunk.sectionPath.endsWith(`/${section}`);

describe('ai-check: retrieval from the guides', () => {
  let db: TestDatabase;
  let repo: GuideRepo;
  let model: ModelServer;

  before(async () => {
    db = await freshDatabase('ai_retrieval');
    repo = await createGuideRepo();
    model = await startModelServer();
    await writeFile(path.join(repo.root, 'systems-ru', '99-zametki.md'), noise(RU_BOUNDARIES + RU_ROLES, 'Заметка', 60, 7));
    await writeFile(path.join(repo.root, 'modeling-en', '99-notes.md'), noise(EN_INDEX + EN_DYNAMICS, 'Note', 60, 11));
    const embedder = testEmbedder(db.pool, model.url);
    await indexDocsRepository({ db: db.pool, log: testLog, embedder }, { location: repo.root, cacheDir: path.join(tmpdir(), 'ai-cache') });
  });
  after(async () => {
    await model.close();
    await repo.remove();
  });

  async function recallAt5(embedder: Embedder | null): Promise<number> {
    let hits = 0;
    for (const { q, section } of LABELLED_QUESTIONS) {
      const results = await searchGuides(db.pool, { text: q, guides: ['systems-ru', 'modeling-en'], limit: 5, embedder });
      if (results.some((r) => inSection(r, section))) hits++;
    }
    return hits / LABELLED_QUESTIONS.length;
  }

  it('finds the section that answers a labelled question in the top 5 (recall@5), Russian and English', async () => {
    const recall = await recallAt5(null);
    console.log(`      recall@5, full-text only: ${recall.toFixed(2)} over ${LABELLED_QUESTIONS.length} labelled questions, 135 passages with 120 distractors`);
    expect(recall).to.be.at.least(0.8);
  });

  it('keeps that recall when full-text and embedding ranks are fused', async () => {
    const embedder = testEmbedder(db.pool, model.url);
    const recall = await recallAt5(embedder);
    console.log(`      recall@5, full-text + embeddings (reciprocal rank fusion): ${recall.toFixed(2)}`);
    expect(recall).to.be.at.least(0.7);
  });

  it('books the query\'s embedding in the monthly budget, and searches full-text only when the budget cannot pay for it', async () => {
    const spent = async () => Number((await db.pool.query('select coalesce(sum(amount_micros), 0)::float8 as s from ai_budget_ledger')).rows[0].s);
    const before = await spent();
    const paid = await searchGuides(db.pool, { text: 'Как провести границу системы?', guides: ['systems-ru'], limit: 5, embedder: testEmbedder(db.pool, model.url) });
    expect(paid.length).to.be.greaterThan(0);
    expect(await spent(), 'the query embedding is counted').to.be.greaterThan(before);

    const requests = model.embeddingRequests;
    const after = await spent();
    const broke = testEmbedder(db.pool, model.url, { budgetMicros: () => after });
    const results = await searchGuides(db.pool, { text: 'Как провести границу системы?', guides: ['systems-ru'], limit: 5, embedder: broke });
    expect(model.embeddingRequests, 'no embedding asked for').to.equal(requests);
    expect(results.map((r) => r.id)).to.deep.equal((await searchGuides(db.pool, { text: 'Как провести границу системы?', guides: ['systems-ru'], limit: 5 })).map((r) => r.id));
    expect(await spent()).to.equal(after);
  });

  it('puts the exercise\'s own section first, even when other passages rank higher', async () => {
    const results = await searchGuides(db.pool, {
      text: 'граница системы функция', guides: ['systems-ru'], section: 'Жизненный цикл', limit: 5, ownSectionLimit: 2,
    });
    expect(results.slice(0, 2).every((r) => r.ownSection && inSection(r, 'жизненный-цикл'))).to.equal(true);
    expect(results.slice(2).some((r) => inSection(r, 'границы-системы'))).to.equal(true);
  });

  it('searches only the current edition and only the guides asked for', async () => {
    const results = await searchGuides(db.pool, { text: 'stock flows thermostat граница', guides: ['modeling-en'], limit: 10 });
    expect(results.length).to.be.greaterThan(0);
    expect(results.every((r) => r.guideSlug === 'modeling-en')).to.equal(true);
    const ids = new Set(results.map((r) => r.id));
    expect(ids.size).to.equal(results.length);
  });
});
