import type { CheckRow, CheckStatus } from './checks-store.ts';
import { queuedText, reasonText, verdictText, withMentorText, type Language, type WaitReason } from './messages.ts';
import type { Verdict } from './verdict.ts';

/**
 * Pure: what a student is shown of a check. While a verdict waits for a mentor it is not
 * shown; an answer without an AI verdict says why, and never shows anything as one.
 */
export interface CheckView {
  checkId: string;
  answerId: string;
  exerciseId: string;
  status: CheckStatus;
  verdict: Verdict | null;
  reason: WaitReason | null;
  message: string;
}

export function checkView(row: CheckRow, lang: Language): CheckView {
  const base = { checkId: row.id, answerId: row.answer_id, exerciseId: row.exercise_id, status: row.status, reason: row.reason };
  if ((row.status === 'checked' || row.status === 'reviewed') && row.final_verdict) {
    return { ...base, verdict: row.final_verdict, message: verdictText(row.final_verdict, lang) };
  }
  if (row.status === 'waiting_mentor') {
    return { ...base, verdict: null, message: row.reason ? reasonText(row.reason, lang, revive(row.reason_params)) : withMentorText(lang) };
  }
  return { ...base, verdict: null, message: queuedText(lang) };
}

// reason_params comes back from jsonb: its date is a string again.
function revive(p: CheckRow['reason_params']) {
  if (!p) return {};
  return { ...p, ...(p.resetsAt ? { resetsAt: new Date(p.resetsAt) } : {}) };
}
