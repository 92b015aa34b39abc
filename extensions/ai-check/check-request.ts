import { badRequest, forbidden, notFound } from '../../kernel/errors.ts';
import type { CheckDeps } from './check-answer.ts';
import { enqueueCheck, getCheck, type CheckSource } from './checks-store.ts';
import { runCheckNow } from './runner.ts';
import { checkView, type CheckView } from './views.ts';

/**
 * A student asks for a check now (HTTP API or MCP): the same queue as the webhook path, and
 * the caller's own request runs the check instead of waiting for the runner. `done` is false
 * when the check is still queued (the provider is retrying, or another worker holds it).
 */
// The background loop (woken by the same NOTIFY) may have claimed the check first: give it
// the time one model call can take before answering "still queued".
async function awaitOtherWorker(deps: CheckDeps, id: string): Promise<void> {
  const provider = deps.settings.provider;
  const until = Date.now() + (provider ? provider.timeoutMs * (provider.maxRetries + 1) : 2_000);
  while (Date.now() < until) {
    const { rows } = await deps.db.query<{ busy: boolean }>(`select status = 'queued' and lease_until > now() as busy from ai_check where id = $1`, [id]);
    if (!rows[0]?.busy) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function requestCheck(deps: CheckDeps, r: { answerId: string; actorId: string | null; source: CheckSource }): Promise<{ view: CheckView; done: boolean }> {
  const answer = await deps.answers.getAnswer(r.answerId);
  if (!answer) throw notFound('ANSWER_NOT_FOUND', `no answer ${r.answerId}`);
  if (r.actorId !== null && answer.studentId !== r.actorId) throw forbidden('NOT_YOUR_ANSWER', 'only the author of an answer can ask for its check');
  if (!answer.text.trim()) throw badRequest('ANSWER_EMPTY', 'the answer is empty');
  const { id } = await enqueueCheck(deps.db, {
    answerId: answer.id, tableId: null, studentId: answer.studentId, exerciseId: answer.exerciseId, text: answer.text, source: r.source,
  }, deps.clock());
  if (!(await runCheckNow(deps, id))) await awaitOtherWorker(deps, id);
  const check = (await getCheck(deps.db, id))!;
  const person = await deps.people.person(answer.studentId);
  return { view: checkView(check, person?.language ?? 'en'), done: check.status !== 'queued' };
}
