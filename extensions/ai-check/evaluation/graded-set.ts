import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../../kernel/errors.ts';

/**
 * Pure: a graded set as JSONL, one answer people graded a line, read into items; every line
 * that cannot be read is reported with its number, and the file is refused as a whole.
 *
 * Two shapes, one per file (the public short-answer sets come in these):
 * - scores: `human_score` of `max_score`, decimals allowed (Mohler/Texas: the average of two
 *   graders in quarter steps, 3.75 of 5; fractions 0..1 with `max_score: 1`);
 * - labels: `human_label` from a declared label set (SemEval-2013 task 7 SciEntsBank/Beetle:
 *   correct, partially_correct_incomplete, contradictory, irrelevant, non_domain).
 * Optional on either: a second grader's grade (`human_score_2` / `human_label_2`), the graders'
 * feedback text, the language (else the file's header, else `--language`), an `id`, the score
 * the service's checker gave at the time (`ai_score`, written by the export), and `meta`
 * (where the line came from; carried, never read).
 *
 * A first line `{"graded_set": {...}}` may declare the label set, the language and the set's
 * name and source. Unknown fields are errors: a misspelt `human_scor` must not pass as absent.
 */
const LANGUAGES = ['ru', 'en'] as const;
export type EvalLanguage = (typeof LANGUAGES)[number];

const label = z.string().trim().min(1).max(100);
const score = z.number().finite().min(0);

export const gradedSetHeader = z.strictObject({
  graded_set: z.strictObject({
    name: z.string().max(500).optional(),
    source: z.string().max(2000).optional(),
    labels: z.array(label).min(2).max(50).optional(),
    language: z.enum(LANGUAGES).optional(),
  }),
});

export const gradedLine = z.strictObject({
  id: z.string().min(1).max(200).optional(),
  question: z.string().min(1),
  reference_answer: z.string().min(1),
  student_answer: z.string(),
  max_score: z.number().finite().positive().optional(),
  human_score: score.optional(),
  human_score_2: score.optional(),
  human_label: label.optional(),
  human_label_2: label.optional(),
  human_feedback: z.string().optional(),
  ai_score: score.optional(),
  language: z.enum(LANGUAGES).optional(),
  meta: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});
export type GradedLine = z.infer<typeof gradedLine>;

export type Grades =
  | { kind: 'score'; maxScore: number; human: number; human2: number | null; recordedAi: number | null }
  | { kind: 'label'; human: string; human2: string | null };

export interface GradedItem {
  /** Stable across runs: a hash of what the model is sent, and which repeat of it this is. */
  key: string;
  line: number;
  id: string | null;
  question: string;
  referenceAnswer: string;
  studentAnswer: string;
  language: EvalLanguage;
  /** A label item's maximum is optional; its prompt then asks for a score of 0..1 that is not used. */
  maxScore: number | null;
  grades: Grades;
  humanFeedback: string | null;
}

export interface GradedSet {
  kind: 'score' | 'label';
  labels: string[] | null;
  name: string | null;
  source: string | null;
  items: GradedItem[];
}

export interface LineError {
  line: number;
  message: string;
}

export interface ReadOptions {
  /** `--labels`: must equal the header's when both are given. */
  labels?: string[] | null;
  /** `--language`: for lines (and a file) that name none. */
  language?: EvalLanguage | null;
}

const issues = (e: z.ZodError) => e.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');

function itemKey(line: GradedLine, language: EvalLanguage, labels: string[] | null, seen: Map<string, number>): string {
  const hash = createHash('sha256').update(JSON.stringify([
    line.question, line.reference_answer, line.student_answer, line.max_score ?? null, language, labels,
  ])).digest('hex').slice(0, 24);
  const repeat = (seen.get(hash) ?? 0) + 1;
  seen.set(hash, repeat);
  return `${hash}#${repeat}`;
}

/** The grades of one line, or what is wrong with them. */
function gradesOf(line: GradedLine, labels: string[] | null): Grades | string {
  const hasScore = line.human_score !== undefined;
  const hasLabel = line.human_label !== undefined;
  if (hasScore === hasLabel) return hasScore ? 'give human_score or human_label, not both' : 'no grade: give human_score (with max_score) or human_label';
  if (hasScore) {
    if (line.max_score === undefined) return 'human_score needs max_score';
    if (line.human_label_2 !== undefined) return 'human_label_2 on a line graded by score: give human_score_2';
    const max = line.max_score;
    for (const field of ['human_score', 'human_score_2', 'ai_score'] as const) {
      const v = line[field];
      if (v !== undefined && v > max) return `${field} ${v} is above max_score ${max}`;
    }
    return { kind: 'score', maxScore: max, human: line.human_score!, human2: line.human_score_2 ?? null, recordedAi: line.ai_score ?? null };
  }
  if (line.human_score_2 !== undefined) return 'human_score_2 on a line graded by label: give human_label_2';
  if (line.ai_score !== undefined) return 'ai_score on a line graded by label';
  if (!labels) return 'human_label given, but no label set is declared (--labels, or a {"graded_set": {"labels": [...]}} first line)';
  for (const field of ['human_label', 'human_label_2'] as const) {
    const v = line[field];
    if (v !== undefined && !labels.includes(v)) return `${field} "${v}" is not one of the declared labels (${labels.join(', ')})`;
  }
  return { kind: 'label', human: line.human_label!, human2: line.human_label_2 ?? null };
}

function declaredLabels(header: z.infer<typeof gradedSetHeader>['graded_set'] | null, cli: string[] | null | undefined): string[] | null | string {
  const fromFile = header?.labels ?? null;
  const given = cli && cli.length ? cli : null;
  for (const set of [fromFile, given]) {
    if (set && new Set(set).size !== set.length) return `the label set names a label twice (${set.join(', ')})`;
  }
  if (fromFile && given && fromFile.join('\n') !== given.join('\n')) {
    return `--labels (${given.join(', ')}) differs from the file's label set (${fromFile.join(', ')})`;
  }
  return fromFile ?? given;
}

/** Reads the whole file; throws GRADED_SET_INVALID with every line's errors (details.errors). */
export function readGradedSet(text: string, opts: ReadOptions = {}): GradedSet {
  const errors: LineError[] = [];
  const rows: { line: number; value: unknown }[] = [];
  text.split('\n').forEach((raw, i) => {
    const body = raw.replace(/\r$/, '');
    if (!body.trim()) return;
    try {
      rows.push({ line: i + 1, value: JSON.parse(body) });
    } catch (e) {
      errors.push({ line: i + 1, message: `not JSON: ${(e as Error).message}` });
    }
  });

  let header: z.infer<typeof gradedSetHeader>['graded_set'] | null = null;
  const first = rows[0];
  if (first && typeof first.value === 'object' && first.value !== null && 'graded_set' in first.value) {
    const parsed = gradedSetHeader.safeParse(first.value);
    if (parsed.success) header = parsed.data.graded_set;
    else errors.push({ line: first.line, message: `header: ${issues(parsed.error)}` });
    rows.shift();
  }
  const labels = declaredLabels(header, opts.labels);
  if (typeof labels === 'string') errors.push({ line: first?.line ?? 1, message: labels });
  const labelSet = typeof labels === 'string' ? null : labels;

  const items: GradedItem[] = [];
  const seen = new Map<string, number>();
  const ids = new Map<string, number>();
  let kind: GradedSet['kind'] | null = null;
  for (const row of rows) {
    if (typeof row.value === 'object' && row.value !== null && 'graded_set' in row.value) {
      errors.push({ line: row.line, message: 'a graded_set header may only be the first line' });
      continue;
    }
    const parsed = gradedLine.safeParse(row.value);
    if (!parsed.success) {
      errors.push({ line: row.line, message: issues(parsed.error) });
      continue;
    }
    const line = parsed.data;
    const grades = gradesOf(line, labelSet);
    if (typeof grades === 'string') {
      errors.push({ line: row.line, message: grades });
      continue;
    }
    if (kind && grades.kind !== kind) {
      errors.push({ line: row.line, message: `graded by ${grades.kind}, but the file's first item is graded by ${kind}: one shape per file` });
      continue;
    }
    kind = grades.kind;
    const language = line.language ?? header?.language ?? opts.language ?? null;
    if (!language) {
      errors.push({ line: row.line, message: 'no language: give "language" on the line, in the graded_set header, or --language' });
      continue;
    }
    if (line.id !== undefined) {
      const before = ids.get(line.id);
      if (before) {
        errors.push({ line: row.line, message: `id "${line.id}" is used on line ${before} already` });
        continue;
      }
      ids.set(line.id, row.line);
    }
    items.push({
      key: itemKey(line, language, grades.kind === 'label' ? labelSet : null, seen),
      line: row.line,
      id: line.id ?? null,
      question: line.question,
      referenceAnswer: line.reference_answer,
      studentAnswer: line.student_answer,
      language,
      maxScore: line.max_score ?? null,
      grades,
      humanFeedback: line.human_feedback ?? null,
    });
  }
  if (!errors.length && !items.length) errors.push({ line: 1, message: 'the file holds no graded answers' });
  if (errors.length) {
    errors.sort((a, b) => a.line - b.line);
    throw new AppError('GRADED_SET_INVALID', 400, `${errors.length} line(s) of the graded set cannot be read`, { errors });
  }
  return { kind: kind!, labels: kind === 'label' ? labelSet : null, name: header?.name ?? null, source: header?.source ?? null, items };
}

/** Seeded choice of `n` items, kept in file order: the same seed picks the same slice again. */
export function sampleItems<T>(items: T[], n: number, random: () => number): T[] {
  const order = items.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order.slice(0, n).sort((a, b) => a - b).map((i) => items[i]!);
}
