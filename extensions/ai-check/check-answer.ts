import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from 'pino';
import { inTransaction } from '../../kernel/db.ts';
import { isAppError } from '../../kernel/errors.ts';
import { retryPlan } from '../../kernel/loop.ts';
import type { AnswerStore, Exercise } from './answer-store.ts';
import { budgetMeter, isBudgetRefused, reserveBudget } from './budget.ts';
import * as checks from './checks-store.ts';
import type { CheckRow } from './checks-store.ts';
import type { Clock } from '../../kernel/clock.ts';
import { recordDeadLetter } from './dead-letters.ts';
import { reviewRequest, verdictNotice, waitingNotice, type AnswerRef, type Language, type ReasonParams, type WaitReason } from './messages.ts';
import type { Embedder } from './embeddings.ts';
import type { ChatMessage, ChatModel } from './openrouter.ts';
import { notifyPerson } from './outbox.ts';
import type { People, Person } from './people.ts';
import { costMicros, tokenCeiling } from './pricing.ts';
import { buildMessages } from './prompt.ts';
import { consumeQuota, quotaAllows } from './quota.ts';
import { feedbackQuotesReference } from './reference-quotes.ts';
import { searchGuides } from './retrieval.ts';
import { openReview, reviewOfCheck } from './reviews-store.ts';
import type { AiCheckSettings } from './settings.ts';
import { parseModelVerdict, toVerdict, verdictJsonSchema, type Verdict } from './verdict.ts';
import type { ModelVerdict } from '../../schemas/events/ai-check.ts';
import { answerUpdateFor } from './writeback.ts';

/**
 * The check job: one leased ai_check row at a time. A queued check gets a decision (an AI
 * verdict, or a reason to wait for a mentor), recorded with its review and notifications
 * in one transaction; then the result is written back to the answer row. Limits come
 * before money: the cache, the quota, then the budget; the model is called last. A verdict
 * whose feedback quotes the reference answer (or another student's graded answer) is not
 * released to a self-learner: it waits for staff like a mentor-led group's verdict.
 */
export interface CheckDeps {
  db: pg.Pool;
  log: Logger;
  clock: Clock;
  settings: AiCheckSettings;
  answers: AnswerStore;
  people: People;
  model: ChatModel | null;
  embedder: Embedder | null;
}

interface Context {
  exercise: Exercise | null;
  student: Person | null;
  /** The student's mentor-led group; null for a self-learner. */
  groupId: string | null;
  /** The answer's workbook, for the link in notices; null when the store does not say. */
  workbookId: string | null;
  language: Language;
}

type Guide = { slug: string; versionId: string } | null;

type Decision =
  | { kind: 'verdict'; verdict: Verdict; usedChunks: string[]; cachedFrom: string | null; guide: Guide; quotesReference: boolean }
  | { kind: 'wait'; reason: WaitReason; params: ReasonParams | null; guide: Guide };

const wait = (reason: WaitReason, params: ReasonParams | null = null, guide: Guide = null): Decision => ({ kind: 'wait', reason, params, guide });

/** Raised inside the admitting transaction to roll back the quota when the budget refuses. */
class Refusal extends Error {
  constructor(readonly reason: WaitReason, readonly params: ReasonParams | null) {
    super(reason);
  }
}

async function loadContext(deps: CheckDeps, check: CheckRow): Promise<Context> {
  const [exercise, student, groupId, answer] = await Promise.all([
    deps.answers.getExercise(check.exercise_id),
    deps.people.person(check.student_id),
    deps.people.mentorGroup(check.student_id),
    deps.answers.getAnswer(check.answer_id),
  ]);
  const guide = exercise ? await checks.currentGuideVersion(deps.db, exercise.guideSlug) : null;
  return { exercise, student, groupId, workbookId: answer?.workbookId ?? null, language: student?.language ?? guide?.language ?? 'en' };
}

interface Admission {
  key: string;
  reserved: number;
}

async function admit(deps: CheckDeps, check: CheckRow, state: { quotaCharged: boolean }, messages: ChatMessage[], call: number, schema: Record<string, unknown>): Promise<Admission | Refusal> {
  const { settings, clock } = deps;
  const provider = settings.provider!;
  const now = clock();
  // Some providers count the response schema as prompt tokens: it is in the ceiling too.
  const promptCeiling = tokenCeiling([...messages.map((m) => m.content), JSON.stringify(schema)]);
  const reserved = costMicros(provider.pricing, promptCeiling, provider.maxOutputTokens);
  const key = `${check.id}:${check.attempts}:${call}`;
  try {
    await inTransaction(deps.db, async (tx) => {
      if (!state.quotaCharged) {
        const quota = await consumeQuota(tx, check.student_id, settings.limits, now);
        if (!quota.ok) throw new Refusal('QUOTA_EXCEEDED', { limit: quota.limit, window: quota.window, resetsAt: quota.resetsAt });
        await checks.markQuotaCharged(tx, check.id, now);
      }
      const fits = await reserveBudget(tx, { key, checkId: check.id, amount: reserved, budget: settings.limits.monthlyBudgetMicros, now });
      if (!fits) throw new Refusal('BUDGET_EXHAUSTED', null);
    });
  } catch (e) {
    if (e instanceof Refusal) return e;
    throw e;
  }
  state.quotaCharged = true;
  return { key, reserved };
}

/**
 * One model call. Its first attempt was reserved by `admit`; each retry is reserved before it
 * is sent (and refused, ending the call, when the budget cannot pay), and every attempt is
 * settled to the usage the provider reports, or kept at its reservation when it failed.
 */
async function callModel(deps: CheckDeps, check: CheckRow, messages: ChatMessage[], schema: Record<string, unknown>, admission: Admission) {
  const { db, clock, settings } = deps;
  const pricing = settings.provider!.pricing;
  const meter = budgetMeter({
    db, now: clock, budgetMicros: () => settings.limits.monthlyBudgetMicros, key: admission.key, checkId: check.id,
    reserved: admission.reserved, cost: (u) => costMicros(pricing, u.promptTokens, u.completionTokens),
    what: 'another attempt of the check', firstReserved: true,
    booked: ({ cost, usage }) => checks.addSpend(db, check.id, {
      promptTokens: usage?.promptTokens ?? 0, completionTokens: usage?.completionTokens ?? 0, costMicros: cost, currency: pricing.currency, calls: 0,
    }),
  });
  try {
    return await deps.model!.complete(messages, { name: 'verdict', schema }, meter);
  } finally {
    await checks.addSpend(db, check.id, { promptTokens: 0, completionTokens: 0, costMicros: 0, currency: pricing.currency });
  }
}

async function decide(deps: CheckDeps, check: CheckRow, ctx: Context): Promise<Decision> {
  const { db, settings, log } = deps;
  const { exercise } = ctx;
  if (!exercise) return wait('EXERCISE_NOT_FOUND');
  if (!check.answer_text.trim()) return wait('ANSWER_EMPTY');
  if (check.answer_text.length > settings.limits.maxAnswerChars) return wait('ANSWER_TOO_LONG', { limit: settings.limits.maxAnswerChars });
  if (!deps.model || !settings.provider) return wait('AI_NOT_CONFIGURED');
  const version = await checks.currentGuideVersion(db, exercise.guideSlug);
  if (!version) return wait('GUIDE_NOT_INDEXED');
  const guide = { slug: exercise.guideSlug, versionId: version.versionId };

  const r = settings.retrieval;
  const reference = exercise.referenceAnswer ?? null;
  const examples = await checks.mentorGradedExamples(db, exercise.id, r.examples, check.answer_hash);
  const cached = await checks.findCachedVerdict(db, exercise.id, check.answer_hash, guide.versionId, check.id, check.student_id);
  if (cached) {
    // A mentor's own words stand; a model's are checked again (they may have been held back before).
    const quotesReference = cached.verdict.by !== 'mentor'
      && feedbackQuotesReference(cached.verdict.feedback, { reference, examples }, { answer: check.answer_text, question: exercise.question, excerpts: [] });
    return { kind: 'verdict', verdict: { ...cached.verdict, by: 'cache' }, usedChunks: cached.usedChunks, cachedFrom: cached.id, guide, quotesReference };
  }
  // The query embedding is money too: a student past their quota gets no search.
  if (check.quota_charged_at === null) {
    const quota = await quotaAllows(db, check.student_id, settings.limits, deps.clock());
    if (!quota.ok) return wait('QUOTA_EXCEEDED', { limit: quota.limit, window: quota.window, resetsAt: quota.resetsAt }, guide);
  }

  const excerpts = await searchGuides(db, {
    text: `${exercise.question}\n${check.answer_text}`, guides: [exercise.guideSlug], section: exercise.section,
    limit: r.limit, ownSectionLimit: r.ownSectionLimit, embedder: deps.embedder, checkId: check.id,
  });
  if (excerpts.length === 0) return wait('GUIDE_NOT_INDEXED', null, guide);
  let messages = buildMessages({
    exercise: { id: exercise.id, title: exercise.title, question: exercise.question, maxScore: exercise.maxScore, referenceAnswer: reference },
    language: ctx.language,
    excerpts: excerpts.map((e) => ({ id: e.id, section: e.heading, text: e.content.slice(0, r.maxExcerptChars) })),
    examples,
    answer: check.answer_text,
  });

  const state = { quotaCharged: check.quota_charged_at !== null };
  const schema = verdictJsonSchema(exercise.maxScore);
  const verdictOf = (v: ModelVerdict): Decision => ({
    kind: 'verdict', verdict: toVerdict(v, exercise.maxScore, 'ai'), usedChunks: v.used_chunks, cachedFrom: null, guide,
    quotesReference: feedbackQuotesReference(v.feedback, { reference, examples },
      { answer: check.answer_text, question: exercise.question, excerpts: excerpts.map((e) => e.content) }),
  });
  // One retry when the output fails validation; a second failure goes to a mentor.
  for (let call = 1; call <= 2; call++) {
    const admission = await admit(deps, check, state, messages, call, schema);
    if (admission instanceof Refusal) return call === 1 ? wait(admission.reason, admission.params, guide) : wait('MODEL_OUTPUT_INVALID', null, guide);
    let completion;
    try {
      completion = await callModel(deps, check, messages, schema, admission);
    } catch (e) {
      // A retry the budget could not pay for: the answer waits, as when the first attempt could not be paid.
      if (isBudgetRefused(e)) return wait('BUDGET_EXHAUSTED', null, guide);
      throw e;
    }
    const parsed = parseModelVerdict(completion.text, exercise.maxScore, excerpts.map((e) => e.id));
    if (parsed.ok) return verdictOf(parsed.value);
    log.warn({ component: 'ai-check', check: check.id, call, err: parsed.error.slice(0, 500) }, 'model output failed validation');
    messages = [...messages, { role: 'system', content: `Your previous reply was rejected (${parsed.error.slice(0, 300)}). Reply with the JSON object only.` }];
  }
  return wait('MODEL_OUTPUT_INVALID', null, guide);
}

async function persons(people: People, ids: string[]): Promise<Person[]> {
  return (await Promise.all(ids.map((id) => people.person(id)))).filter((p): p is Person => p !== null);
}

async function finish(deps: CheckDeps, check: CheckRow, ctx: Context, decision: Decision, deadLetter: string | null): Promise<void> {
  const { db, clock, settings, people } = deps;
  const now = clock();
  const aiVerdict = decision.kind === 'verdict' ? decision.verdict : null;
  // Feedback that hands over the reference answer is never released without a person.
  const quotesReference = decision.kind === 'verdict' && decision.quotesReference;
  const needsReview = decision.kind === 'wait' || ctx.groupId !== null || quotesReference;
  // A self-learner's verdict is released at once; staff look again at some of them.
  const lowConfidence = !needsReview && aiVerdict?.confidence !== undefined && aiVerdict.confidence < settings.audit.minConfidence;
  // The same text as another student's answer to this exercise: a person looks at it.
  const copy = (await checks.copiedFrom(db, check)) !== null;
  const audit = !needsReview && aiVerdict !== null && (copy || lowConfidence || sampled(check.id, settings.audit.share));
  const reviewGroup = needsReview ? ctx.groupId ?? settings.staffReviewGroup : settings.staffReviewGroup;
  const reviewers = needsReview || audit ? await persons(people, await people.mentorsOf(reviewGroup)) : [];
  const ref = answerRef(settings.publicUrl, check, ctx);
  await inTransaction(db, async (tx) => {
    await checks.recordDecision(tx, check.id, {
      status: needsReview ? 'waiting_mentor' : 'checked',
      reason: decision.kind === 'wait' ? decision.reason : null,
      reasonParams: decision.kind === 'wait' ? decision.params : null,
      aiVerdict,
      finalVerdict: needsReview ? null : aiVerdict,
      exerciseTitle: ctx.exercise?.title ?? null,
      maxScore: ctx.exercise?.maxScore ?? null,
      guideSlug: decision.guide?.slug ?? ctx.exercise?.guideSlug ?? null,
      guideTitle: ref.guide,
      workbookId: ctx.workbookId,
      guideVersionId: decision.guide?.versionId ?? null,
      usedChunks: decision.kind === 'verdict' ? decision.usedChunks : [],
      model: deps.model?.model ?? null,
      cachedFrom: decision.kind === 'verdict' ? decision.cachedFrom : null,
    }, now);
    if (deadLetter) await recordDeadLetter(tx, 'check', check.id, deadLetter, check.attempts, now);
    const student = ctx.student;
    if (!needsReview && aiVerdict && student) {
      await notifyPerson(tx, student, `check:${check.id}:verdict`, verdictNotice(student.language, ref, aiVerdict), now);
    }
    if (!needsReview && !audit) return;
    const kind = needsReview ? 'review' : 'audit';
    const note = quotesReference ? 'feedback_quotes_reference' : copy ? 'possible_copy' : audit ? (lowConfidence ? 'low_confidence' : 'sampled') : null;
    const reviewId = await openReview(tx, check.id, reviewGroup, aiVerdict, now, kind, note);
    const reason = decision.kind === 'wait' ? decision.reason : null;
    if (decision.kind === 'wait' && student) {
      await notifyPerson(tx, student, `check:${check.id}:waiting`, waitingNotice(student.language, ref, decision.reason, decision.params ?? {}), now);
    }
    const request = { ...ref, link: reviewLink(settings.publicUrl, reviewId), student: student?.name ?? check.student_id };
    for (const mentor of reviewers) {
      await notifyPerson(tx, mentor, `check:${check.id}:review`, reviewRequest(mentor.language, request, aiVerdict, reason, kind, { lowConfidence, copy, quotesReference }), now);
    }
  });
}

/** Pure: whether a check falls in the sampled `share` (0..1), the same for the same check on every attempt. */
export function sampled(checkId: string, share: number): boolean {
  if (share <= 0) return false;
  if (share >= 1) return true;
  return createHash('sha256').update(`audit:${checkId}`).digest().readUInt32BE(0) / 0x1_0000_0000 < share;
}

/** The words and the student's page of an answer, for notices. */
export function answerRef(publicUrl: string, check: Pick<CheckRow, 'answer_id' | 'exercise_id' | 'exercise_title' | 'guide_slug' | 'guide_title' | 'workbook_id'>, ctx?: Pick<Context, 'exercise' | 'workbookId'>): AnswerRef {
  const workbook = ctx?.workbookId ?? check.workbook_id;
  return {
    exercise: ctx?.exercise?.title ?? check.exercise_title ?? check.exercise_id,
    guide: ctx?.exercise?.guideTitle || check.guide_title || ctx?.exercise?.guideSlug || check.guide_slug || null,
    link: workbook ? `${publicUrl}/workbooks/${workbook}#exercise-${check.answer_id}` : `${publicUrl}/workbooks`,
  };
}

export const reviewLink = (publicUrl: string, reviewId: string) => `${publicUrl}/reviews#review-${reviewId}`;

/** A failure outside the provider (NocoDB, Kratos, the database): try again later, then a dead letter. */
async function retryLater(deps: CheckDeps, check: CheckRow, e: unknown, kind: 'check' | 'writeback', atLeastMs = 0): Promise<void> {
  const message = e instanceof Error ? e.message : String(e);
  const now = deps.clock();
  const { maxAttempts, backoffMs } = deps.settings.jobs;
  const plan = retryPlan(check.attempts, { maxAttempts, backoffMs, now });
  deps.log.warn({ component: 'ai-check', check: check.id, kind, attempt: check.attempts, exhausted: plan.dead, err: message }, 'check step failed');
  if (plan.dead) await recordDeadLetter(deps.db, kind, check.id, message, check.attempts, now);
  // A provider's Retry-After (atLeastMs) is honoured when it is longer than the backoff.
  await checks.rescheduleCheck(deps.db, check.id, message, plan.dead ? 'infinity' : new Date(Math.max(plan.at.getTime(), now.getTime() + atLeastMs)));
}

const PROVIDER_CODES = new Set(['AI_PROVIDER_UNAVAILABLE', 'AI_PROVIDER_REFUSED']);

async function decideQueued(deps: CheckDeps, check: CheckRow): Promise<boolean> {
  if (check.attempts === 1) {
    // A hint for the student that work has started; the real write-back comes after the decision.
    await deps.answers.updateAnswer(check.answer_id, { status: 'checking' })
      .catch((e: Error) => deps.log.warn({ component: 'ai-check', check: check.id, err: e.message }, 'could not mark the answer as checking'));
  }
  let ctx: Context;
  try {
    ctx = await loadContext(deps, check);
  } catch (e) {
    await retryLater(deps, check, e, 'check');
    return false;
  }
  let decision: Decision;
  let deadLetter: string | null = null;
  try {
    decision = await decide(deps, check, ctx);
  } catch (e) {
    if (!isAppError(e) || !PROVIDER_CODES.has(e.code)) {
      await retryLater(deps, check, e, 'check');
      return false;
    }
    const retryAfterMs = Number((e.details as { retryAfterMs?: number } | undefined)?.retryAfterMs ?? 0);
    if (e.code === 'AI_PROVIDER_UNAVAILABLE' && check.attempts < deps.settings.jobs.maxAttempts) {
      await retryLater(deps, check, e, 'check', retryAfterMs);
      return false;
    }
    // Nothing is lost: the answer goes to a mentor, and staff see the failure among the dead letters.
    decision = wait(e.code as WaitReason);
    deadLetter = `${e.code}: ${JSON.stringify(e.details ?? {})}`.slice(0, 2000);
  }
  await finish(deps, check, ctx, decision, deadLetter);
  return true;
}

/**
 * Who decided a check's review, as staff should read it beside the verdict: the mentor's
 * name, or the NocoDB user who decided in the grid (recorded as nocodb:<user>).
 */
async function reviewerOf(deps: CheckDeps, checkId: string): Promise<{ name: string | null; at: Date | null } | null> {
  const review = await reviewOfCheck(deps.db, checkId);
  if (!review?.reviewerId) return null;
  const id = review.reviewerId;
  const name = id.startsWith('nocodb:') ? id.slice('nocodb:'.length) : id === 'nocodb' ? 'NocoDB' : (await deps.people.person(id))?.name ?? id;
  return { name, at: review.decidedAt };
}

export async function writeBack(deps: CheckDeps, check: CheckRow): Promise<void> {
  try {
    const reviewer = check.status === 'reviewed' ? await reviewerOf(deps, check.id) : null;
    await deps.answers.updateAnswer(check.answer_id, answerUpdateFor(check, { checkedAt: check.created_at, reviewer }));
    await checks.markWrittenBack(deps.db, check.id, check.status, deps.clock());
  } catch (e) {
    await retryLater(deps, check, e, 'writeback');
  }
}

/** Runs one leased check: decides it if queued, then writes the result back. */
export async function processCheck(deps: CheckDeps, check: CheckRow): Promise<void> {
  if (check.status === 'queued') {
    if (!(await decideQueued(deps, check))) return;
    const decided = await checks.getCheck(deps.db, check.id);
    if (!decided) return;
    return writeBack(deps, { ...decided, attempts: 1 });
  }
  return writeBack(deps, check);
}
