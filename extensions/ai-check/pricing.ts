import type { Pricing } from './settings.ts';

/**
 * Pure: what a model call costs, in integer micro-units of the currency. Prices are per
 * 1M tokens, so a price of X per 1M tokens is X micro-units per token.
 */
export function costMicros(pricing: Pick<Pricing, 'inputPer1M'> & Partial<Pricing>, promptTokens: number, completionTokens: number): number {
  return Math.ceil(promptTokens * pricing.inputPer1M + completionTokens * (pricing.outputPer1M ?? 0));
}

// A chat template's role markers and separators per message, and the request's own.
const PER_PART = 8;
const PER_REQUEST = 16;

/**
 * The most tokens these texts can be, to reserve budget before a call: byte-level BPE
 * tokenizers (and SentencePiece with byte fallback) never make more tokens than UTF-8
 * bytes, whatever the language, so a reservation at this count is never below what the
 * provider reports. (Characters / 3 was no bound: Cyrillic runs near 2 characters a token
 * in some tokenizers.)
 */
export function tokenCeiling(parts: string[]): number {
  return parts.reduce((n, part) => n + Buffer.byteLength(part, 'utf8') + PER_PART, PER_REQUEST);
}

export function formatMoney(micros: number, currency: string): string {
  return `${(micros / 1_000_000).toFixed(6)} ${currency}`;
}
