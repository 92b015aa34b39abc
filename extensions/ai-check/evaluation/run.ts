import { AppError, isAppError } from '../../../kernel/errors.ts';
import type { AttemptMeter, ChatModel } from '../openrouter.ts';
import { costMicros, tokenCeiling } from '../pricing.ts';
import type { Pricing } from '../settings.ts';
import type { GradedItem } from './graded-set.ts';
import { itemPrompt, parseItemReply, retryInstruction } from './item-prompt.ts';
import type { RateGate } from './rate-gate.ts';
import type { ResultRecord, ResultsLog, RunLedger } from './results-file.ts';

/**
 * The run: every item without a result gets one model check (and one retry on invalid
 * output, as in service), `concurrency` at a time. Before each attempt, retries included:
 * the run-wide rate-limit pause, then the run's budget (what was spent, in this run and in
 * the earlier runs of the same results file, plus this attempt's worst case); the
 * reservation is on disk before the attempt is sent, its cost after it. Each finished item
 * is appended at once. Items already done in the ledger are never sent again.
 */
export interface RunSettings {
  concurrency: number;
  /** Micro-units the run (all its resumptions together) may spend; null: no limit. */
  budgetMicros: number | null;
  maxOutputTokens: number;
  pricing: Pricing;
  labels: string[] | null;
}

export interface RunDeps {
  model: ChatModel;
  log: ResultsLog;
  gate: RateGate;
  /** This process's id among the results file's runs. */
  segment: string;
  now?: () => number;
}

export interface RunOutcome {
  /** Items checked in this run (a result was written). */
  checked: number;
  /** Model attempts sent in this run. */
  attempts: number;
  stoppedBy: 'budget' | 'refused' | 'aborted' | null;
  lastError: string | null;
}

class RunBudgetRefused extends AppError {
  constructor(needed: number, left: number) {
    super('AI_PROVIDER_UNAVAILABLE', 503, `the run's budget cannot pay for another attempt (needs up to ${needed}, ${left} left, micro-units)`, { reason: 'BUDGET_EXHAUSTED' });
  }
}

class Stopped extends Error {}

export async function runItems(deps: RunDeps, items: GradedItem[], ledger: RunLedger, settings: RunSettings, signal?: AbortSignal): Promise<RunOutcome> {
  const now = deps.now ?? Date.now;
  const todo = items.filter((item) => !ledger.done.has(item.key));
  const outcome: RunOutcome = { checked: 0, attempts: 0, stoppedBy: null, lastError: null };
  let spent = ledger.spentMicros;
  const stop = (why: NonNullable<RunOutcome['stoppedBy']>) => { outcome.stoppedBy ??= why; };
  const stopped = () => outcome.stoppedBy !== null || signal?.aborted === true;

  async function one(item: GradedItem): Promise<void> {
    const started = now();
    const prompt = itemPrompt(item, settings.labels);
    const cost = { micros: 0, promptTokens: 0, completionTokens: 0, calls: 0 };
    let messages = prompt.messages;
    const record = (r: Pick<ResultRecord, 'outcome' | 'score' | 'label' | 'verdict' | 'feedback' | 'error'>) => {
      deps.log.append({
        kind: 'result', segment: deps.segment, key: item.key, line: item.line, ...r,
        cost_micros: cost.micros, prompt_tokens: cost.promptTokens, completion_tokens: cost.completionTokens,
        calls: cost.calls, latency_ms: now() - started, at: new Date().toISOString(),
      });
      outcome.checked++;
    };
    for (let call = 1; call <= 2; call++) {
      const reserved = costMicros(settings.pricing, tokenCeiling([...messages.map((m) => m.content), JSON.stringify(prompt.schema)]), settings.maxOutputTokens);
      const meter: AttemptMeter = {
        async before(attempt) {
          await deps.gate.ready();
          if (stopped()) throw new Stopped();
          if (settings.budgetMicros !== null && spent + reserved > settings.budgetMicros) throw new RunBudgetRefused(reserved, settings.budgetMicros - spent);
          spent += reserved;
          deps.log.append({ kind: 'reserve', segment: deps.segment, key: item.key, attempt: `${call}.${attempt}`, micros: reserved });
          outcome.attempts++;
          cost.calls++;
        },
        async after(attempt, result) {
          const usage = result.ok ? result.usage : null;
          const micros = usage ? costMicros(settings.pricing, usage.promptTokens, usage.completionTokens) : reserved;
          spent += micros - reserved;
          cost.micros += micros;
          cost.promptTokens += usage?.promptTokens ?? 0;
          cost.completionTokens += usage?.completionTokens ?? 0;
          deps.log.append({
            kind: 'settle', segment: deps.segment, key: item.key, attempt: `${call}.${attempt}`, micros,
            prompt_tokens: usage?.promptTokens ?? 0, completion_tokens: usage?.completionTokens ?? 0,
          });
        },
      };
      let text: string;
      try {
        text = (await deps.model.complete(messages, { name: 'verdict', schema: prompt.schema }, meter)).text;
      } catch (e) {
        if (e instanceof Stopped) return;
        if (e instanceof RunBudgetRefused) {
          stop('budget');
          outcome.lastError = e.message;
          // Paid for, but unfinished: a later run (with more budget) checks it again.
          if (cost.calls) record({ outcome: 'failed', score: null, label: null, verdict: null, feedback: null, error: e.message });
          return;
        }
        if (!isAppError(e)) throw e;
        const status = (e.details as { status?: number } | undefined)?.status;
        outcome.lastError = `${e.code}: ${e.message}${status ? ` (${status})` : ''}`;
        // A refused key or exhausted credit fails every item alike: stop paying for that.
        if (e.code === 'AI_PROVIDER_REFUSED' && (status === 401 || status === 402 || status === 403)) stop('refused');
        record({ outcome: 'failed', score: null, label: null, verdict: null, feedback: null, error: outcome.lastError });
        return;
      }
      const parsed = parseItemReply(text, prompt.maxScore, settings.labels);
      if (parsed.ok) {
        record({ outcome: 'graded', score: parsed.score, label: parsed.label, verdict: parsed.verdict, feedback: parsed.feedback, error: null });
        return;
      }
      messages = [...messages, { role: 'system', content: retryInstruction(parsed.error) }];
    }
    record({ outcome: 'to_mentor', score: null, label: null, verdict: null, feedback: null, error: 'invalid output twice' });
  }

  const queue = [...todo];
  const workers = Array.from({ length: Math.max(1, settings.concurrency) }, async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      if (stopped()) break;
      await one(item);
    }
  });
  await Promise.all(workers);
  if (signal?.aborted) stop('aborted');
  return outcome;
}
