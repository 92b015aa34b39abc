/**
 * `npm run topics`: who consumes what. Every topic schemas/topics.ts declares, the
 * consumers that take it (from their own lists) and who sends it. Nothing is started: the
 * capabilities are built as service/main.ts builds them, with connections that are never used.
 */
import { createNocoApi, nocoRows } from '../nocodb/client.ts';
import { createOry } from '../ory/client.ts';
import { createPool } from '../kernel/db.ts';
import { loadCapabilities } from '../service/capabilities.ts';
import { loadConfig } from '../service/config.ts';
import { formatTopicTable, topicTable } from '../service/inbox/routing.ts';
import { createLogger } from '../service/log.ts';
import { topicRegistry } from '../schemas/topics.ts';

const config = loadConfig();
const unused = 'http://127.0.0.1:9';
const db = createPool('postgres://unused@127.0.0.1:9/unused');
const api = createNocoApi(unused, 'unused');
import { schoolTables } from '../schemas/nocodb/index.ts';
import { schoolNames } from '../nocodb/names.ts';
const ids = { baseId: '', tables: new Map(schoolTables.map((t) => [t.key, `unused-${t.key}`])), names: schoolNames(config.NOCODB_LANGUAGE) };
const capabilities = loadCapabilities({
  config, db, log: createLogger('silent'), clock: () => new Date(), nocodb: nocoRows(api, ids),
  ory: createOry({ mode: 'self-hosted', kratosPublicUrl: unused, kratosAdminUrl: unused, ketoReadUrl: unused, ketoWriteUrl: unused }),
  noco: { api, ids, url: unused, token: 'unused', publicUrl: unused },
});
process.stdout.write(`${formatTopicTable(topicTable(capabilities.all, topicRegistry()))}\n`);
await db.end();
