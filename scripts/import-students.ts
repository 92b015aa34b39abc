/**
 * Imports existing students from a CSV file into the running stack (`npm start`, or the
 * external services the environment names):
 *   node --import tsx scripts/import-students.ts students.csv
 * Columns (header line, comma or semicolon): email,name,telegram_username,group and,
 * optionally, locale (ru|en), jurisdiction (ru|world), phone. `group` is a NocoDB group
 * title. Creates the Ory identities, CRM contacts, people rows, group memberships and Keto
 * tuples; running it again changes nothing. Progress goes to stderr, the report (JSON) to
 * stdout; the exit code is 1 when some lines could not be imported.
 */
import { readFile } from 'node:fs/promises';
import { importStudents } from '../extensions/identity/index.ts';
import { createNocoApi, nocoRows, type TableIds } from '../nocodb/client.ts';
import { createOry } from '../ory/client.ts';
import { loadConfig } from '../service/config.ts';
import { migrate } from '../service/db/migrate.ts';
import { createPool } from '../kernel/db.ts';
import { createLogger } from '../service/log.ts';
import { loadCredentials } from '../service/stack/credentials.ts';
import { oryConfigFrom } from '../service/stack/ory.ts';
import { schoolNames } from '../nocodb/names.ts';

const file = process.argv[2];
if (!file || file.startsWith('-')) {
  process.stderr.write('usage: node --import tsx scripts/import-students.ts <file.csv>\n');
  process.exit(2);
}
const config = loadConfig();
const log = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, 'import-students');
const creds = await loadCredentials(config.credentialsFile);

// The embedded stack's PostgreSQL (service/stack/postgres.ts) unless DATABASE_URL names another.
const db = createPool(config.DATABASE_URL ?? `postgres://postgres:postgres@127.0.0.1:${config.PG_PORT}/school`, 4);
const nocodbUrl = config.NOCODB_URL ?? creds.nocodb.url;
const nocodbToken = config.NOCODB_TOKEN ?? creds.nocodb.token;
if (!nocodbUrl || !nocodbToken) {
  process.stderr.write('NocoDB is not known yet: start the stack once (npm start) or set NOCODB_URL and NOCODB_TOKEN\n');
  process.exit(2);
}
const standin = `http://127.0.0.1:${config.ORY_STANDIN_PORT}`;
const ory = createOry(oryConfigFrom(config) ?? { mode: 'self-hosted', kratosPublicUrl: standin, kratosAdminUrl: standin, ketoReadUrl: standin, ketoWriteUrl: standin });
const api = createNocoApi(nocodbUrl, nocodbToken);

try {
  const csv = await readFile(file, 'utf8');
  await migrate(db, log);
  const ids = await tableIds(config.NOCODB_BASE);
  const report = await importStudents(
    { db, log, ory, nocodb: nocoRows(api, ids), clock: () => new Date(), noco: { api, ids, publicUrl: nocodbUrl } },
    csv,
    { onProgress: (done, total) => process.stderr.write(`\r  ${done}/${total} lines`) },
  );
  process.stderr.write('\n');
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = report.failed.length ? 1 : 0;
} finally {
  await db.end();
}

/** The School base's table ids by our table keys (provisioned by `npm start`). */
async function tableIds(baseTitle: string): Promise<TableIds> {
  const base = ((await api.base.list()).list ?? []).find((b) => b.title === baseTitle);
  if (!base?.id) throw new Error(`no NocoDB base "${baseTitle}": start the stack once (npm start) to provision it`);
  const tables = ((await api.dbTable.list(base.id)).list ?? []).map((t) => [t.table_name ?? '', t.id as string] as const);
  return { baseId: base.id, tables: new Map(tables), names: schoolNames(config.NOCODB_LANGUAGE) };
}
