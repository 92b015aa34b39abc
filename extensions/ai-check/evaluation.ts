import { z } from 'zod';
import type { ChatModel } from './openrouter.ts';
import { costMicros } from './pricing.ts';
import { buildMessages } from './prompt.ts';
import type { Pricing } from './settings.ts';
import { parseModelVerdict, verdictJsonSchema } from './verdict.ts';

/**
 * How well the model grades compared with people: a JSONL file of graded answers, one
 * model check each (the reference answer stands in for the guide), then accuracy and
 * quadratic weighted kappa against the human scores, and the cost per check.
 */
export const gradedAnswer = z.object({
  question: z.string().min(1),
  reference_answer: z.string().min(1),
  student_answer: z.string(),
  human_score: z.number().int().min(0),
  max_score: z.number().int().min(1),
  language: z.enum(['ru', 'en']).optional(),
});
export type GradedAnswer = z.infer<typeof gradedAnswer>;

/**
 * Cohen's kappa with quadratic weights over integer ratings min..max: 1 is perfect
 * agreement, 0 what chance gives, below 0 worse than chance.
 */
export function quadraticWeightedKappa(a: number[], b: number[], min: number, max: number): number {
  if (a.length !== b.length) throw new Error('both raters must rate the same items');
  const n = a.length;
  const k = max - min + 1;
  if (n === 0 || k < 2) return 1;
  const observed = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const histA = new Array<number>(k).fill(0);
  const histB = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) {
    const x = a[i]! - min;
    const y = b[i]! - min;
    if (x < 0 || y < 0 || x >= k || y >= k) throw new Error(`rating out of ${min}..${max}`);
    observed[x]![y]! += 1;
    histA[x]! += 1;
    histB[y]! += 1;
  }
  let num = 0;
  let den = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const w = (i - j) ** 2 / (k - 1) ** 2;
      num += w * observed[i]![j]!;
      den += w * (histA[i]! * histB[j]!) / n;
    }
  }
  // Both raters gave one and the same rating to everything: agreement is complete.
  if (den === 0) return num === 0 ? 1 : 0;
  return 1 - num / den;
}

export interface EvaluationReport {
  items: number;
  graded: number;
  /** Outputs still invalid after one retry: in service, these answers would go to a mentor. */
  toMentor: number;
  /** Calls the provider did not answer after its retries; the last error says why. */
  failures: number;
  lastError: string | null;
  accuracy: number;
  withinOne: number;
  passFailAgreement: number;
  kappa: number;
  costMicros: number;
  costPerCheckMicros: number;
  currency: string;
  promptTokens: number;
  completionTokens: number;
}

export async function evaluate(deps: { model: ChatModel; pricing: Pricing }, items: GradedAnswer[], opts: { concurrency?: number } = {}): Promise<EvaluationReport> {
  const human: number[] = [];
  const machine: number[] = [];
  const pass: boolean[] = [];
  let toMentor = 0;
  let failures = 0;
  let lastError: string | null = null;
  let promptTokens = 0;
  let completionTokens = 0;
  let cost = 0;

  async function one(item: GradedAnswer, index: number): Promise<void> {
    let messages = buildMessages({
      exercise: { id: String(index), title: `item ${index}`, question: item.question, maxScore: item.max_score },
      language: item.language ?? 'en',
      excerpts: [{ id: 'reference', section: 'Reference answer', text: item.reference_answer }],
      examples: [],
      answer: item.student_answer,
    });
    for (let call = 1; call <= 2; call++) {
      let completion;
      try {
        completion = await deps.model.complete(messages, { name: 'verdict', schema: verdictJsonSchema(item.max_score) });
      } catch (e) {
        failures++;
        lastError = (e as Error).message;
        return;
      }
      const usage = completion.usage ?? { promptTokens: 0, completionTokens: 0 };
      promptTokens += usage.promptTokens;
      completionTokens += usage.completionTokens;
      cost += costMicros(deps.pricing, usage.promptTokens, usage.completionTokens);
      const parsed = parseModelVerdict(completion.text, item.max_score, ['reference']);
      if (parsed.ok) {
        const score = Math.round(parsed.value.score);
        human.push(item.human_score);
        machine.push(score);
        pass.push((score * 2 >= item.max_score) === (item.human_score * 2 >= item.max_score));
        return;
      }
      messages = [...messages, { role: 'system', content: `Your previous reply was rejected (${parsed.error.slice(0, 300)}). Reply with the JSON object only.` }];
    }
    toMentor++;
  }

  const queue = items.map((item, i) => () => one(item, i));
  const workers = Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await job();
  });
  await Promise.all(workers);

  const graded = human.length;
  const maxScore = Math.max(1, ...items.map((i) => i.max_score));
  const ratio = (hits: number) => (graded ? Math.round((hits / graded) * 1000) / 1000 : 0);
  return {
    items: items.length,
    graded,
    toMentor,
    failures,
    lastError,
    accuracy: ratio(human.filter((h, i) => h === machine[i]).length),
    withinOne: ratio(human.filter((h, i) => Math.abs(h - machine[i]!) <= 1).length),
    passFailAgreement: ratio(pass.filter(Boolean).length),
    kappa: Math.round(quadraticWeightedKappa(human, machine, 0, maxScore) * 1000) / 1000,
    costMicros: cost,
    costPerCheckMicros: items.length ? Math.round(cost / items.length) : 0,
    currency: deps.pricing.currency,
    promptTokens,
    completionTokens,
  };
}
