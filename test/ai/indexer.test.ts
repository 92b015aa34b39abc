import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { editionChanges, indexDocsRepository } from '../../extensions/ai-check/indexer/index-guides.ts';
import { listVersions } from '../../extensions/ai-check/indexer/knowledge-store.ts';
import { freshDatabase, testLog, type TestDatabase } from '../support/stack.ts';
import { createGuideRepo, type GuideRepo } from './support/guides.ts';
import { startModelServer, type ModelServer } from './support/model-server.ts';
import { EMBEDDING_PRICING, testEmbedder } from './support/embedder.ts';

const exec = promisify(execFile);

describe('ai-check: indexing the guides', () => {
  let db: TestDatabase;
  let repo: GuideRepo;
  const location = () => ({ location: repo.root, cacheDir: path.join(tmpdir(), 'ai-guides-cache') });
  const rowVersions = async () => new Map((await db.pool.query<{ id: string; xmin: string }>('select id, xmin::text from ai_chunk')).rows.map((r) => [r.id, r.xmin]));

  before(async () => {
    db = await freshDatabase('ai_indexer');
    repo = await createGuideRepo();
  });
  after(() => repo.remove());

  it('stores both guides with full-text search in each guide\'s language', async () => {
    const reports = await indexDocsRepository({ db: db.pool, log: testLog }, location());
    expect(reports.map((r) => [r.slug, r.edition, r.status])).to.deep.equal([['modeling-en', '1.0', 'indexed'], ['systems-ru', '2024.1', 'indexed']]);
    const { rows } = await db.pool.query(`select guide_slug, ts_config::text as cfg, count(*)::int as n from ai_chunk group by 1, 2 order by 1`);
    expect(rows).to.deep.equal([{ guide_slug: 'modeling-en', cfg: 'english', n: 7 }, { guide_slug: 'systems-ru', cfg: 'russian', n: 8 }]);
    // Russian stemming: the query's inflected form finds the paragraph's other form.
    const hit = await db.pool.query(`select id from ai_chunk where tsv @@ plainto_tsquery('russian', 'границами систем') and guide_slug = 'systems-ru'`);
    expect(hit.rowCount).to.be.greaterThan(0);
    const plan = await db.pool.query(`select indexdef from pg_indexes where indexname = 'ai_chunk_tsv_idx'`);
    expect(plan.rows[0].indexdef).to.match(/USING gin \(tsv\)/);
  });

  it('does nothing when the guides did not change', async () => {
    const before = await rowVersions();
    const reports = await indexDocsRepository({ db: db.pool, log: testLog }, location());
    expect(reports.map((r) => r.status)).to.deep.equal(['unchanged', 'unchanged']);
    expect(await rowVersions()).to.deep.equal(before);
  });

  it('re-indexes only the paragraphs a new edition changed, and records the version', async () => {
    const before = await rowVersions();
    await repo.writeEdition(2);
    const reports = await indexDocsRepository({ db: db.pool, log: testLog }, location());
    const ru = reports.find((r) => r.slug === 'systems-ru')!;
    expect(ru).to.include({ edition: '2024.2', status: 'indexed', inserted: 2, added: 2, removed: 2 });
    const after = await rowVersions();
    const touched = [...before].filter(([id, xmin]) => after.get(id) !== xmin).map(([id]) => id);
    const { rows: retired } = await db.pool.query<{ id: string }>('select id from ai_chunk where not is_current');
    expect(touched.sort()).to.deep.equal(retired.map((r) => r.id).sort(), 'only the two paragraphs that left the edition were touched');
    expect(touched).to.have.length(2);
    expect(after.size).to.equal(before.size + 2);
    const versions = await listVersions(db.pool, 'systems-ru');
    expect(versions.map((v) => [v.edition, v.current])).to.deep.equal([['2024.1', false], ['2024.2', true]]);
  });

  it('reports per section what changed between two editions, paragraph by paragraph', async () => {
    const sections = await editionChanges(db.pool, 'systems-ru', '2024.1', '2024.2');
    const summary = sections.map((s) => ({ section: s.sectionPath, added: s.added.length, removed: s.removed.length, edited: s.edited.length }));
    expect(summary).to.deep.equal([
      { section: '01-granitsy#границы-системы', added: 1, removed: 0, edited: 1 },
      { section: '01-granitsy#границы-системы/внешние-и-внутренние-системы', added: 0, removed: 1, edited: 0 },
    ]);
    expect(sections[0]!.edited[0]!.before.content).to.include('рассматривать как внутренние');
    expect(sections[0]!.edited[0]!.after.content).to.include('считать внутренними');
  });

  it('restores an older edition without storing anything again', async () => {
    await repo.writeEdition(1);
    const [, ru] = await indexDocsRepository({ db: db.pool, log: testLog }, location());
    expect(ru).to.include({ status: 'restored', inserted: 0 });
    const versions = await listVersions(db.pool, 'systems-ru');
    expect(versions.find((v) => v.current)!.edition).to.equal('2024.1');
  });

  it('clones a docs repository given as a git URL into the cache, and pulls it again', async () => {
    const other = await freshDatabase('ai_indexer_git');
    const cacheDir = await mkdtemp(path.join(tmpdir(), 'ai-guides-git-'));
    const git = (...args: string[]) => exec('git', ['-C', repo.root, '-c', 'user.email=t@t', '-c', 'user.name=t', ...args]);
    try {
      await git('init', '-q', '-b', 'main');
      await git('add', '.');
      await git('commit', '-q', '-m', 'edition 1');
      const url = `file://${repo.root}`;
      const first = await indexDocsRepository({ db: other.pool, log: testLog }, { location: url, cacheDir });
      expect(first.map((r) => r.status)).to.deep.equal(['indexed', 'indexed']);
      await repo.writeEdition(2);
      await git('commit', '-q', '-am', 'edition 2');
      const second = await indexDocsRepository({ db: other.pool, log: testLog }, { location: url, cacheDir });
      expect(second.map((r) => [r.slug, r.status])).to.deep.equal([['modeling-en', 'unchanged'], ['systems-ru', 'indexed']]);
      const { rows } = await other.pool.query(`select source from ai_guide_version where guide_slug = 'systems-ru' order by id desc limit 1`);
      expect(rows[0].source).to.match(/^file:\/\/.+@[0-9a-f]{40}$/);
    } finally {
      await rm(path.join(repo.root, '.git'), { recursive: true, force: true });
      await rm(cacheDir, { recursive: true, force: true });
    }
  });

  describe('with embeddings configured', () => {
    let model: ModelServer;
    before(async () => {
      model = await startModelServer();
    });
    after(() => model.close());

    it('embeds each paragraph once, as float4[], and not again on re-index', async () => {
      const edb = await freshDatabase('ai_indexer_embed');
      await repo.writeEdition(1);
      const embedder = testEmbedder(edb.pool, model.url);
      await indexDocsRepository({ db: edb.pool, log: testLog, embedder }, location());
      const { rows } = await edb.pool.query(`select pg_typeof(embedding)::text as t, array_length(embedding, 1) as dims,
        count(*) filter (where embedding is null)::int as missing from ai_chunk group by 1, 2`);
      expect(rows).to.deep.equal([{ t: 'real[]', dims: 64, missing: 0 }]);
      const calls = model.embeddingRequests;
      await repo.writeEdition(2);
      await indexDocsRepository({ db: edb.pool, log: testLog, embedder }, location());
      expect(model.embeddingRequests).to.equal(calls + 1, 'one request, for the new paragraphs only');
      const cos = await edb.pool.query(`select ai_cosine(a.embedding, a.embedding) as self from ai_chunk a limit 1`);
      expect(cos.rows[0].self).to.be.closeTo(1, 1e-6);
    });

    const ledger = async (pool: TestDatabase['pool']) => (await pool.query<{ kind: string; amount: number; key: string }>(
      `select kind, amount_micros::float8 as amount, entry_key as key from ai_budget_ledger order by id`)).rows;

    it('books each embeddings request in the monthly budget at the tokens the provider reports, and a failed one at its reservation', async () => {
      const edb = await freshDatabase('ai_indexer_embed_budget');
      await repo.writeEdition(1);
      const requests = model.embeddingRequests;
      const usage = model.embeddingUsage.length;
      await indexDocsRepository({ db: edb.pool, log: testLog, embedder: testEmbedder(edb.pool, model.url) }, location());
      const reported = model.embeddingUsage.slice(usage);
      expect(reported, 'one usage per request').to.have.length(model.embeddingRequests - requests);
      const rows = await ledger(edb.pool);
      expect(rows.filter((r) => r.kind === 'reserve'), 'a reservation before each request').to.have.length(reported.length);
      const spent = rows.reduce((sum, r) => sum + r.amount, 0);
      expect(spent, 'the month is charged what the provider reported').to.equal(reported.reduce((sum, t) => sum + Math.ceil(t * EMBEDDING_PRICING.inputPer1M), 0));
      expect(spent).to.be.greaterThan(0);
      for (const r of rows.filter((x) => x.kind === 'reserve')) {
        const settled = rows.find((x) => x.key === r.key.replace(/^reserve:/, 'settle:'))!;
        expect(r.amount + settled.amount, 'a reservation is the most a request can cost').to.be.at.most(r.amount);
      }

      model.embeddingScript.push({ kind: 'status', status: 400 });
      await repo.writeEdition(2);
      const failed = await indexDocsRepository({ db: edb.pool, log: testLog, embedder: testEmbedder(edb.pool, model.url) }, location()).catch((e: Error) => e);
      expect(failed).to.be.instanceOf(Error).and.to.have.property('code', 'AI_PROVIDER_REFUSED');
      const after = (await ledger(edb.pool)).slice(rows.length);
      expect(after.map((r) => r.kind)).to.deep.equal(['reserve', 'settle']);
      expect(after[1]!.amount, 'booked at its reservation, not 0').to.equal(0);
      expect(after[0]!.amount).to.be.greaterThan(0);
    });

    it('sends nothing and keeps the indexed edition when the month\'s budget cannot pay for the new passages', async () => {
      const edb = await freshDatabase('ai_indexer_embed_broke');
      await repo.writeEdition(1);
      await indexDocsRepository({ db: edb.pool, log: testLog, embedder: testEmbedder(edb.pool, model.url) }, location());
      const before = await listVersions(edb.pool, 'systems-ru');
      const requests = model.embeddingRequests;
      await repo.writeEdition(2);
      const refused = await indexDocsRepository({ db: edb.pool, log: testLog, embedder: testEmbedder(edb.pool, model.url, { budgetMicros: () => 0 }) }, location())
        .catch((e: Error) => e);
      expect(refused).to.be.instanceOf(Error).and.to.have.property('message').that.matches(/month's AI budget cannot pay for embedding \d+ new passages of guide systems-ru/);
      expect(model.embeddingRequests, 'no request sent').to.equal(requests);
      expect(await listVersions(edb.pool, 'systems-ru')).to.deep.equal(before);
    });
  });
});
