import type { Pricing } from './settings.ts';

/**
 * Pure: what a model call costs, in integer micro-units of the currency. Prices are per
 * 1M tokens, so a price of X per 1M tokens is X micro-units per token.
 */
export function costMicros(pricing: Pricing, promptTokens: number, completionTokens: number): number {
  return Math.ceil(promptTokens * pricing.inputPer1M + completionTokens * pricing.outputPer1M);
}

/** A deliberately high guess (3 characters a token) used to reserve budget before a call. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 3) + 16;
}

export function formatMoney(micros: number, currency: string): string {
  return `${(micros / 1_000_000).toFixed(6)} ${currency}`;
}
