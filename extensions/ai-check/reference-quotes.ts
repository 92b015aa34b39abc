import type { GradedExample } from './prompt.ts';

/**
 * Pure: does a feedback hand a student text they must find themselves (the exercise's
 * reference answer, other students' graded answers in the prompt)? Texts are compared as
 * normalised words (NFKC, lower case, ё as е, each word cut to its first 6 letters so that
 * Russian endings do not hide a quote) in runs of 4; a run the student has anyway (in their
 * own answer, the question or the guide excerpts the model was given) does not count.
 *
 * A feedback quotes a text when it shares 8 words in a row of it, or 30% of its runs (at
 * least two), or half of a short one. A reference under 4 words cannot be told from
 * ordinary words and is not checked.
 */
export interface QuoteQuestion {
  feedback: string;
  /** Texts the student must not be handed. */
  secret: string[];
  /** Texts the student has anyway. */
  known: string[];
}

export interface QuoteFinding {
  quotes: boolean;
  /** Index in `secret` of the text quoted most, or -1. */
  source: number;
  /** Longest run of words shared, not counting what the student has anyway. */
  longestRun: number;
  /** Share of the secret text's runs found in the feedback. */
  share: number;
}

const RUN = 4;
const MIN_QUOTE_WORDS = 8;
const MIN_SHARE = 0.3;

export function words(text: string): string[] {
  return (text.normalize('NFKC').toLowerCase().replaceAll('ё', 'е').match(/[\p{L}\p{N}]+/gu) ?? []).map((w) => w.slice(0, 6));
}

function runs(ws: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + RUN <= ws.length; i++) out.push(ws.slice(i, i + RUN).join(' '));
  return out;
}

function measure(secret: string, feedback: Set<string>, known: Set<string>): { longestRun: number; share: number; leaked: number } {
  const own = runs(words(secret));
  const hidden = own.filter((r) => !known.has(r)).length;
  if (hidden === 0) return { longestRun: 0, share: 0, leaked: 0 };
  let leaked = 0;
  let longest = 0;
  let current = 0;
  for (const r of own) {
    const hit = feedback.has(r) && !known.has(r);
    if (hit) leaked++;
    current = hit ? current + 1 : 0;
    longest = Math.max(longest, current);
  }
  return { longestRun: longest ? longest + RUN - 1 : 0, share: leaked / hidden, leaked };
}

export function quotesSecret(q: QuoteQuestion): QuoteFinding {
  const feedback = new Set(runs(words(q.feedback)));
  const known = new Set(q.known.flatMap((t) => runs(words(t))));
  const findings = q.secret.map((text, source): QuoteFinding => {
    const m = measure(text, feedback, known);
    const quotes = m.longestRun >= MIN_QUOTE_WORDS || (m.leaked >= 2 && m.share >= MIN_SHARE) || m.share >= 0.5;
    return { quotes, source, longestRun: m.longestRun, share: m.share };
  });
  findings.sort((a, b) => Number(b.quotes) - Number(a.quotes) || b.share - a.share);
  return findings[0] ?? { quotes: false, source: -1, longestRun: 0, share: 0 };
}

/**
 * Pure: whether a verdict's feedback hands the student the exercise's reference answer or
 * another student's graded answer; what the student has anyway (their answer, the question,
 * the guide excerpts) does not count.
 */
export function feedbackQuotesReference(feedback: string, secret: { reference: string | null; examples: GradedExample[] },
  known: { answer: string; question: string; excerpts: string[] }): boolean {
  const texts = [secret.reference ?? '', ...secret.examples.map((e) => e.answer)].filter((t) => t.trim());
  return texts.length > 0 && quotesSecret({ feedback, secret: texts, known: [known.answer, known.question, ...known.excerpts] }).quotes;
}
