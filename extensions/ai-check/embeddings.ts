import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Clock } from '../../kernel/clock.ts';
import { budgetMeter } from './budget.ts';
import type { EmbeddingClient, Usage } from './openrouter.ts';
import { costMicros, tokenCeiling } from './pricing.ts';
import type { EmbeddingSettings } from './settings.ts';

/**
 * The embedder retrieval and the indexer use: texts in batches, each batch one provider call
 * booked in the monthly budget like a check's model call (budget.ts): every attempt reserved
 * at the most its texts can be, settled to the tokens the provider reports
 * (`usage.prompt_tokens`, else `total_tokens`), or kept at the reservation when it failed.
 * When the budget cannot pay, `embed` throws BudgetRefused and nothing is sent.
 */
export interface Embedder {
  readonly model: string;
  /** `checkId`: the check this embedding is for; its cost is added to the check's. */
  embed(texts: string[], booking?: { checkId?: string | null; what?: string }): Promise<number[][]>;
}

export interface EmbedderDeps {
  db: pg.Pool;
  clock: Clock;
  pricing: EmbeddingSettings['pricing'];
  budgetMicros: () => number;
  /** Adds an embedding's cost to its check (checks-store.ts addSpend). */
  chargeCheck?: (checkId: string, costMicros: number, currency: string) => Promise<void>;
}

export function meteredEmbedder(client: EmbeddingClient, deps: EmbedderDeps): Embedder {
  const cost = (usage: Usage) => costMicros(deps.pricing, usage.promptTokens, 0);
  return {
    model: client.model,
    async embed(texts, booking = {}) {
      const checkId = booking.checkId ?? null;
      const out: number[][] = [];
      for (let i = 0; i < texts.length; i += client.batchSize) {
        const input = texts.slice(i, i + client.batchSize);
        const meter = budgetMeter({
          db: deps.db, now: deps.clock, budgetMicros: deps.budgetMicros, checkId, cost,
          key: `embed:${checkId ?? 'none'}:${randomUUID()}`,
          reserved: costMicros(deps.pricing, tokenCeiling(input), 0),
          what: booking.what ?? `embedding ${input.length} text(s)`,
          booked: async ({ cost: spent }) => {
            if (checkId && deps.chargeCheck) await deps.chargeCheck(checkId, spent, deps.pricing.currency);
          },
        });
        const batch = await client.embedBatch(input, meter);
        out.push(...batch.vectors);
      }
      return out;
    },
  };
}
