/**
 * The capability's embedder as index.ts builds it (metered in the monthly budget), pointed
 * at the local model server, for tests that index or search without the whole harness.
 */
import type pg from 'pg';
import { meteredEmbedder, type Embedder } from '../../../extensions/ai-check/embeddings.ts';
import { createEmbeddingClient } from '../../../extensions/ai-check/openrouter.ts';
import { testLog } from '../../support/stack.ts';

export const EMBEDDING_PRICING = { currency: 'USD', inputPer1M: 0.5 };

export function testEmbedder(db: pg.Pool, baseURL: string, opts: { budgetMicros?: () => number } = {}): Embedder {
  return meteredEmbedder(createEmbeddingClient({ baseURL, apiKey: 'k', model: 'test/embed', timeoutMs: 2000, pricing: EMBEDDING_PRICING }, { log: testLog }), {
    db, clock: () => new Date(), pricing: EMBEDDING_PRICING, budgetMicros: opts.budgetMicros ?? (() => 1_000_000),
  });
}
