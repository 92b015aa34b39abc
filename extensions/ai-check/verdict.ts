import { z } from 'zod';
import { modelVerdict, type ModelVerdict, type VerdictKind } from '../../schemas/events/ai-check.ts';

/** What a student or a mentor sees: the final word on an answer, and whose it is. */
export interface Verdict {
  verdict: VerdictKind;
  score: number;
  maxScore: number;
  feedback: string;
  /** ai: the model; cache: the same answer to the same exercise was graded before; mentor: a person. */
  by: 'ai' | 'cache' | 'mentor';
  /** The model's confidence in its own verdict (0..1); absent for a person's verdict. */
  confidence?: number;
}

export type ParsedVerdict = { ok: true; value: ModelVerdict } | { ok: false; error: string };

/**
 * Pure: the model's text -> a validated verdict. A fenced ```json block is unwrapped
 * (some models add one despite the schema); chunk ids the model made up are dropped.
 */
export function parseModelVerdict(text: string, maxScore: number, knownChunkIds: Iterable<string>): ParsedVerdict {
  const body = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/.exec(text)?.[1] ?? text;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    return { ok: false, error: `not JSON: ${(e as Error).message}` };
  }
  const parsed = modelVerdict(maxScore).safeParse(json);
  if (!parsed.success) return { ok: false, error: z.prettifyError(parsed.error) };
  const known = new Set(knownChunkIds);
  return { ok: true, value: { ...parsed.data, used_chunks: parsed.data.used_chunks.filter((id) => known.has(id)) } };
}

export function verdictJsonSchema(maxScore: number): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(modelVerdict(maxScore)) as Record<string, unknown>;
  return schema;
}

export function toVerdict(v: ModelVerdict, maxScore: number, by: Verdict['by']): Verdict {
  return { verdict: v.verdict, score: v.score, maxScore, feedback: v.feedback, by, confidence: v.confidence };
}
