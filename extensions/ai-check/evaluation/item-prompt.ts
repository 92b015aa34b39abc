import { createHash } from 'node:crypto';
import { z } from 'zod';
import { modelVerdict } from '../../../schemas/events/ai-check.ts';
import type { ChatMessage } from '../openrouter.ts';
import { buildMessages, systemInstructions } from '../prompt.ts';
import { parseModelVerdict, verdictJsonSchema } from '../verdict.ts';
import type { GradedItem } from './graded-set.ts';

/**
 * Pure: the checker's own prompt (prompt.ts) for one graded answer, the reference answer
 * standing in for the guide's excerpts. A label set adds one instruction and one field,
 * `label`, to the verdict: the rest of the prompt is the service's, word for word.
 */
export interface ItemPrompt {
  messages: ChatMessage[];
  schema: Record<string, unknown>;
  /** The maximum the model is asked for: the item's, or 1 for a label item without one. */
  maxScore: number;
}

export type ParsedItem =
  | { ok: true; score: number; verdict: string; feedback: string; label: string | null }
  | { ok: false; error: string };

const labelInstruction = (labels: string[]) =>
  `This answer also gets a label, as in the graded set it comes from: add the field "label", exactly one of ${labels.map((l) => JSON.stringify(l)).join(', ')}.`;

export const retryInstruction = (error: string) => `Your previous reply was rejected (${error.slice(0, 300)}). Reply with the JSON object only.`;

const labelVerdict = (maxScore: number, labels: string[]) => modelVerdict(maxScore).extend({ label: z.enum(labels as [string, ...string[]]) });

export function itemPrompt(item: GradedItem, labels: string[] | null): ItemPrompt {
  const maxScore = item.maxScore ?? 1;
  const messages = buildMessages({
    exercise: { id: 'eval', title: 'graded answer', question: item.question, maxScore },
    language: item.language,
    excerpts: [{ id: 'reference', section: 'Reference answer', text: item.referenceAnswer }],
    examples: [],
    answer: item.studentAnswer,
  });
  if (!labels) return { messages, schema: verdictJsonSchema(maxScore), maxScore };
  const { $schema: _ignored, ...schema } = z.toJSONSchema(labelVerdict(maxScore, labels)) as Record<string, unknown>;
  return { messages: [messages[0]!, { role: 'system', content: labelInstruction(labels) }, ...messages.slice(1)], schema, maxScore };
}

export function parseItemReply(text: string, maxScore: number, labels: string[] | null): ParsedItem {
  if (!labels) {
    const parsed = parseModelVerdict(text, maxScore, ['reference']);
    return parsed.ok ? { ok: true, score: parsed.value.score, verdict: parsed.value.verdict, feedback: parsed.value.feedback, label: null } : parsed;
  }
  const body = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/.exec(text)?.[1] ?? text;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    return { ok: false, error: `not JSON: ${(e as Error).message}` };
  }
  const parsed = labelVerdict(maxScore, labels).safeParse(json);
  if (!parsed.success) return { ok: false, error: z.prettifyError(parsed.error) };
  return { ok: true, score: parsed.data.score, verdict: parsed.data.verdict, feedback: parsed.data.feedback, label: parsed.data.label };
}

/**
 * What identifies the prompt in a report: a hash of its fixed text (the checker's
 * instructions in both languages, the label instruction's and the retry's wording). Any
 * change to prompt.ts gives another version, and a results file of the old one is refused.
 */
export function promptVersion(): string {
  const fixed = [systemInstructions('en', 0), systemInstructions('ru', 0), labelInstruction(['<label>']), retryInstruction('<error>')].join('\n---\n');
  return `sha256:${createHash('sha256').update(fixed).digest('hex').slice(0, 16)}`;
}
