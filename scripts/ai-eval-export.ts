/**
 * The school's own graded set for `npm run ai:eval`: every answer a mentor reviewed, the
 * mentor's score beside the AI's, in the graded-set JSONL format
 * (extensions/ai-check/evaluation/export-reviews.ts). Checks and decisions are read from the
 * service's PostgreSQL (DATABASE_URL, else the embedded stack's), questions and reference
 * answers from NocoDB's exercises (NOCODB_URL and NOCODB_TOKEN, else the stack's).
 *
 *   npm run ai:eval:export -- --out reviewed.jsonl [--only-edited] [--language ru] [--since 2025-09-01]
 *
 * The file holds students' answers (no names): keep it where the school's data is kept.
 * What was left out, and why, goes to stderr.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createPool } from '../kernel/db.ts';
import { createNocodbAnswerStore } from '../extensions/ai-check/nocodb-store.ts';
import { exportReviewedAnswers } from '../extensions/ai-check/evaluation/export-reviews.ts';
import { createNocoApi, tableIdOf, type TableIds } from '../nocodb/client.ts';
import { loadConfig } from '../service/config.ts';
import { loadCredentials } from '../service/stack/credentials.ts';
import { schoolNames } from '../nocodb/names.ts';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    'only-edited': { type: 'boolean', default: false },
    language: { type: 'string' },
    since: { type: 'string' },
  },
});
function fail(message: string): never {
  process.stderr.write(`ai-eval-export: ${message}\n`);
  process.exit(2);
}
if (!values.out) fail('give --out <file.jsonl>');
if (values.language !== undefined && values.language !== 'ru' && values.language !== 'en') fail('--language must be ru or en');
const since = values.since ? new Date(values.since) : null;
if (since && Number.isNaN(since.getTime())) fail(`--since is no date: ${values.since}`);

const config = loadConfig();
const creds = await loadCredentials(config.credentialsFile);
const nocodbUrl = config.NOCODB_URL ?? creds.nocodb.url;
const nocodbToken = config.NOCODB_TOKEN ?? creds.nocodb.token;
if (!nocodbUrl || !nocodbToken) fail('NocoDB is not known yet: start the stack once (npm start) or set NOCODB_URL and NOCODB_TOKEN');
const db = createPool(config.DATABASE_URL ?? `postgres://postgres:postgres@127.0.0.1:${config.PG_PORT}/school`, 2);
try {
  const api = createNocoApi(nocodbUrl, nocodbToken);
  const base = ((await api.base.list()).list ?? []).find((b) => b.title === config.NOCODB_BASE);
  if (!base?.id) fail(`no NocoDB base "${config.NOCODB_BASE}": start the stack once (npm start) to provision it`);
  const ids: TableIds = { baseId: base.id, tables: new Map(((await api.dbTable.list(base.id)).list ?? []).map((t) => [t.table_name ?? '', t.id as string] as const)), names: schoolNames(config.NOCODB_LANGUAGE) };
  const answers = createNocodbAnswerStore({ baseUrl: nocodbUrl, token: nocodbToken, tables: { answers: tableIdOf(ids, 'answers'), exercises: tableIdOf(ids, 'exercises'), guides: tableIdOf(ids, 'guides') }, names: ids.names });
  const result = await exportReviewedAnswers({ db, answers }, { onlyEdited: values['only-edited'], language: (values.language as 'ru' | 'en' | undefined) ?? null, since });
  await writeFile(values.out, `${result.lines.join('\n')}\n`);
  const reasons = new Map<string, number>();
  for (const s of result.skipped) reasons.set(s.reason, (reasons.get(s.reason) ?? 0) + 1);
  process.stderr.write(`ai-eval-export: ${result.exported} reviewed answers written to ${values.out}`
    + `${result.skipped.length ? `; left out ${result.skipped.length}: ${[...reasons].map(([r, n]) => `${r} ${n}`).join(', ')}` : ''}\n`);
} finally {
  await db.end();
}
