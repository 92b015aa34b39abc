import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { inTransaction } from '../../kernel/db.ts';
import type { Lang } from '../../kernel/lang.ts';
import type { NocoFiles, NocoRows } from '../../nocodb/client.ts';
import type { GrantFileRow } from '../../schemas/nocodb/billing-grant-files.ts';
import { planById } from './catalog-store.ts';
import { addDays } from './days.ts';
import { kindOf, MAX_FILE_BYTES, readLines, toCsv, type CsvReader } from './grant-file-read.ts';
import { grantFree } from './grants.ts';
import { grantFileProblem, grantFileReportLine, grantFileStatus, type GrantFileProblem } from './messages.ts';
import { periodFrom } from './periods.ts';

/**
 * A teacher's file of students granted a plan (NocoDB Grant files, 0521), in two halves:
 *
 * - intake (the consumer, in the inbox job's transaction): the row's file, plan, reason and
 *   period make a run key; a key already taken is a repeat (the webhook again, the sweep, the
 *   service's own write-back of Status) and does nothing; a new one checks the row, downloads
 *   and reads the file and stores its lines, or refuses it whole saying why. Nothing is granted
 *   in the inbox job, which stays short whatever the file's size.
 * - the run (a loop, one instance at a time): a chunk of lines at a time, the people imported by
 *   identity's student import (passed in: billing does not import identity), then each line
 *   granted the plan as a staff grant is (grantFree, source `grant-file:<row>:<person>`) and
 *   its outcome written, in one transaction per chunk. The lines without an outcome are the
 *   cursor: after a crash the run goes on from the first of them (the import and the grants
 *   of a chunk done again change nothing). Status, Progress and Report are written back to the
 *   row after each chunk.
 */
export interface PeopleImport {
  /** identity's CSV reader (the student import's own). */
  parseCsv: CsvReader;
  /** identity's student import of a CSV; a second run of the same lines changes nothing. */
  importCsv(csv: string): Promise<{
    imported: { line: number; email: string; identityId: string }[];
    failed: { line: number; email?: string; problem: Record<Lang, string> }[];
    waiting: { line: number; email: string; problem: Record<Lang, string> }[];
  }>;
}

export interface GrantFileDeps { files: NocoFiles; people: PeopleImport; today: string }

const runKeyOf = (row: GrantFileRow, planIds: number[]) => createHash('sha256').update(JSON.stringify([
  row.File.map((f) => [f.id ?? f.path ?? f.url ?? null, f.size ?? null, f.title ?? null]), [...planIds].sort(), row.Reason, row.Days, row.EndsOn,
])).digest('base64url');

/** Who changed the row as NocoDB says (its LastModifiedBy, else its CreatedBy). */
export const editorOf = (row: GrantFileRow) => row['Edited by']?.email ?? row['Made by']?.email ?? null;

/** Why the row cannot run as it is (pure), or null. */
export function rowProblem(row: GrantFileRow, planIds: number[], today: string): GrantFileProblem | null {
  if (!row.Reason) return { key: 'noReason' };
  if (row.File.length === 0) return { key: 'noFile' };
  if (row.File.length > 1) return { key: 'manyFiles', files: row.File.length };
  if (planIds.length !== 1) return { key: 'planLinks', plans: planIds.length };
  if (row.Days !== null && row.EndsOn) return { key: 'daysAndEnd' };
  if (row.Days !== null && row.Days <= 0) return { key: 'badDays' };
  if (row.EndsOn && row.EndsOn < today) return { key: 'endBefore' };
  const file = row.File[0]!;
  if (!kindOf(file.title, file.mimetype)) return { key: 'notCsvOrXlsx', name: file.title ?? '?' };
  return null;
}

/** Intake of a Grant files row change (in the consumer's transaction). */
export async function takeGrantFile(tx: PoolClient, deps: GrantFileDeps, row: GrantFileRow, planIds: number[]): Promise<'repeat' | 'queued' | 'refused'> {
  const runKey = runKeyOf(row, planIds);
  const current = (await tx.query<{ run_key: string }>('select run_key from billing_grant_file where row_id = $1 for update', [row.Id])).rows[0];
  if (current?.run_key === runKey) return 'repeat';

  const refuse = async (problem: GrantFileProblem) => {
    await saveRun(tx, row, runKey, { status: 'refused', problem: grantFileProblem(problem), planId: planIds[0] ?? null, startsOn: null, endsOn: null, total: 0 });
    return 'refused' as const;
  };
  const problem = rowProblem(row, planIds, deps.today);
  if (problem) return refuse(problem);
  const plan = await planById(tx, planIds[0]!);
  // Not mirrored yet (its own webhook is behind this one): retried with backoff, not refused.
  if (!plan) throw new Error(`plan ${planIds[0]} is not mirrored yet`);
  if (plan.deleted || plan.productId === null) return refuse({ key: 'planGone' });
  const startsOn = deps.today;
  let endsOn: string;
  try {
    endsOn = row.EndsOn ?? (row.Days !== null ? addDays(startsOn, row.Days - 1) : periodFrom(plan, startsOn).endsOn);
  } catch (e) {
    return refuse({ key: 'period', message: (e as Error).message });
  }

  const file = row.File[0]!;
  const got = await deps.files.download(file, MAX_FILE_BYTES);
  if ('problem' in got) return refuse(got.problem === 'missing' ? { key: 'missing' } : { key: 'tooLarge', maxMb: MAX_FILE_BYTES / 1024 / 1024 });
  const read = await readLines(got.bytes, kindOf(file.title, file.mimetype)!, deps.people.parseCsv);
  if ('key' in read) return refuse(read);

  await saveRun(tx, row, runKey, { status: 'queued', problem: null, planId: plan.id, startsOn, endsOn, total: read.lines.length });
  await tx.query(
    `insert into billing_grant_file_line (row_id, line, email, cells)
     select $1, l.line, nullif(lower(trim(l.cells ->> 'email')), ''), l.cells from jsonb_to_recordset($2::jsonb) as l(line int, cells jsonb)`,
    [row.Id, JSON.stringify(read.lines.map((l) => ({ line: l.line, cells: l.values })))]);
  await tx.query(`select pg_notify('billing_grant_files', '')`);
  return 'queued';
}

async function saveRun(tx: PoolClient, row: GrantFileRow, runKey: string, r: {
  status: 'queued' | 'refused'; problem: Record<Lang, string> | null; planId: number | null; startsOn: string | null; endsOn: string | null; total: number;
}): Promise<void> {
  await tx.query('delete from billing_grant_file_line where row_id = $1', [row.Id]);
  await tx.query(
    `insert into billing_grant_file (row_id, run_key, status, problem, file_name, plan_id, reason, starts_on, ends_on, editor, total, done)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0)
     on conflict (row_id) do update set run_key = excluded.run_key, status = excluded.status, problem = excluded.problem, file_name = excluded.file_name,
       plan_id = excluded.plan_id, reason = excluded.reason, starts_on = excluded.starts_on, ends_on = excluded.ends_on, editor = excluded.editor,
       total = excluded.total, done = 0, version = billing_grant_file.version + 1, updated_at = now()`,
    [row.Id, runKey, r.status, r.problem, row.File[0]?.title ?? null, r.planId, row.Reason, r.startsOn, r.endsOn, editorOf(row), r.total]);
  await tx.query(`select pg_notify('billing_grant_files', '')`);
}

export interface RunDeps { db: Pool; nocodb: NocoRows; people: PeopleImport; log: Logger; clock: () => Date; today: () => string; chunk?: number; lang?: Lang }

/**
 * One round of the runs: writes back what NocoDB has not been told, then does one chunk of
 * the oldest run. Returns true while there is more to do (the loop runs again at once).
 */
export async function grantFilesRound(deps: RunDeps): Promise<boolean> {
  const run = (await deps.db.query<{ row_id: number; run_key: string }>(
    `select row_id, run_key from billing_grant_file where status in ('queued', 'running') order by updated_at, row_id limit 1`)).rows[0];
  if (run) await runChunk(deps, run.row_id, run.run_key);
  const unwritten = (await deps.db.query<{ row_id: number }>(
    'select row_id from billing_grant_file where written_version < version order by updated_at limit 20')).rows;
  for (const r of unwritten) await writeBack(deps, r.row_id);
  const more = await deps.db.query(`select 1 from billing_grant_file where status in ('queued', 'running') limit 1`);
  return (more.rowCount ?? 0) > 0;
}

async function runChunk(deps: RunDeps, rowId: number, runKey: string): Promise<void> {
  const lines = (await deps.db.query<{ line: number; cells: Record<string, string> }>(
    'select line, cells from billing_grant_file_line where row_id = $1 and outcome is null order by line limit $2', [rowId, deps.chunk ?? 25])).rows;
  if (lines.length === 0) {
    await deps.db.query(`update billing_grant_file set status = 'done', version = version + 1, updated_at = now() where row_id = $1 and run_key = $2`, [rowId, runKey]);
    return;
  }
  const header = [...new Set(lines.flatMap((l) => Object.keys(l.cells)))];
  // The chunk's CSV has one record a line: its line n + 2 is the chunk's n-th line.
  const report = await deps.people.importCsv(toCsv(header, lines.map((l) => l.cells)));
  const lineOf = (chunkLine: number) => lines[chunkLine - 2]?.line;
  const imported = new Map(report.imported.map((i) => [lineOf(i.line), i.identityId]));
  const problems = new Map([...report.failed, ...report.waiting].map((p) => [lineOf(p.line), { problem: p.problem, waiting: report.waiting.includes(p as never) }]));

  await inTransaction(deps.db, async (tx) => {
    const file = (await tx.query(`select run_key, plan_id, reason, editor, to_char(starts_on, 'YYYY-MM-DD') as starts_on, to_char(ends_on, 'YYYY-MM-DD') as ends_on
      from billing_grant_file where row_id = $1 for update`, [rowId])).rows[0];
    // A new file or plan on the row started another run meanwhile: this chunk is not its.
    if (!file || file.run_key !== runKey) return;
    const plan = await planById(tx, file.plan_id);
    if (!plan || plan.deleted || plan.productId === null) {
      await tx.query(`update billing_grant_file set status = 'refused', problem = $2, version = version + 1, updated_at = now() where row_id = $1`, [rowId, grantFileProblem({ key: 'planGone' })]);
      return;
    }
    const now = deps.clock();
    const actor = `staff:nocodb:grant_files:${rowId}${file.editor ? `:${file.editor}` : ''}`;
    for (const l of lines) {
      const identityId = imported.get(l.line);
      let outcome: string;
      let problem: Record<Lang, string> | null = null;
      let subscriptionId: number | null = null;
      if (identityId) {
        const { subscription, created } = await grantFree(tx, {
          source: `grant-file:${rowId}:${identityId}`, personId: identityId, plan: { ...plan, productId: plan.productId }, kind: 'free',
          startsOn: file.starts_on, endsOn: file.ends_on, reason: file.reason, now, today: deps.today(),
          change: { cause: `granted by staff${file.editor ? ` (${file.editor})` : ''}: ${file.reason}`, actor, key: `grant-file:${rowId}:${identityId}:granted` },
        });
        outcome = created ? 'granted' : 'already granted';
        subscriptionId = subscription.id;
      } else {
        const p = problems.get(l.line);
        outcome = p?.waiting ? 'waiting' : 'failed';
        problem = p?.problem ?? { ru: 'строка не импортирована', en: 'the line was not imported' };
      }
      await tx.query('update billing_grant_file_line set outcome = $3, problem = $4, person_id = $5, subscription_id = $6 where row_id = $1 and line = $2',
        [rowId, l.line, outcome, problem, identityId ?? null, subscriptionId]);
    }
    await tx.query(
      `update billing_grant_file f set done = (select count(*) from billing_grant_file_line l where l.row_id = f.row_id and l.outcome is not null),
         status = case when exists (select 1 from billing_grant_file_line l where l.row_id = f.row_id and l.outcome is null) then 'running' else 'done' end,
         version = version + 1, updated_at = now()
       where row_id = $1`, [rowId]);
  });
  deps.log.info({ component: 'billing', grantFile: rowId, lines: lines.length }, 'grant file chunk done');
}

const REPORT_LINES = 300;

/** Writes Status, Progress and Report to the row; a failed write is tried again next round. */
async function writeBack(deps: RunDeps, rowId: number): Promise<void> {
  const lang = deps.lang ?? 'ru';
  const f = (await deps.db.query(`select status, problem, total, done, version from billing_grant_file where row_id = $1`, [rowId])).rows[0];
  if (!f) return;
  const counts = (await deps.db.query<{ outcome: string; n: number }>(
    'select outcome, count(*)::int as n from billing_grant_file_line where row_id = $1 and outcome is not null group by 1', [rowId])).rows;
  const n = (o: string) => counts.find((c) => c.outcome === o)?.n ?? 0;
  const bad = (await deps.db.query<{ line: number; email: string | null; outcome: string; problem: Record<Lang, string> | null }>(
    `select line, email, outcome, problem from billing_grant_file_line where row_id = $1 and outcome in ('failed', 'waiting') order by line limit $2`, [rowId, REPORT_LINES + 1])).rows;
  const problems = n('failed') + n('waiting');
  const report = bad.slice(0, REPORT_LINES).map((l) => grantFileReportLine(l, lang));
  if (problems > REPORT_LINES) report.push(lang === 'ru' ? `… и ещё ${problems - REPORT_LINES}` : `… and ${problems - REPORT_LINES} more`);
  try {
    await deps.nocodb.update('grant_files', [{
      Id: rowId,
      Status: grantFileStatus({ status: f.status, granted: n('granted'), already: n('already granted'), problems, problem: f.problem }, lang),
      Progress: f.status === 'refused' ? null : `${f.done}/${f.total}`,
      Report: report.join('\n') || null,
    }]);
  } catch (e) {
    deps.log.warn({ component: 'billing', grantFile: rowId, err: (e as Error).message }, 'grant file status not written to NocoDB; will retry');
    return;
  }
  await deps.db.query('update billing_grant_file set written_version = greatest(written_version, $2) where row_id = $1', [rowId, f.version]);
}
