/**
 * A service process for the crash test: the autoposts capability on the test's database and
 * NocoDB, whose Telegram calls go to the local server; after the `hangAfter`-th answer it
 * tells the test which chat it was and hangs before recording it, until the test kills it.
 */
import { register } from '../../extensions/autoposts/index.ts';
import { createPool } from '../../kernel/db.ts';
import { createBotApi, type BotApi } from '../../kernel/telegram-bot.ts';
import { createNocoApi, nocoRows } from '../../nocodb/client.ts';
import { nocoLinks } from '../../nocodb/links.ts';
import { testLog } from '../support/stack.ts';
import { schoolNames } from '../../nocodb/names.ts';

const args = JSON.parse(process.argv[2]!) as {
  db: string; nocodb: { url: string; token: string }; baseId: string; tables: [string, string][]; telegram: { url: string; token: string }; hangAfter: number;
};
const api = createNocoApi(args.nocodb.url, args.nocodb.token);
const ids = { baseId: args.baseId, tables: new Map(args.tables), names: schoolNames('ru') };
const real = createBotApi({ apiUrl: args.telegram.url, botToken: args.telegram.token });
let calls = 0;
const bot: BotApi = {
  async call(method, params, result) {
    const answer = await real.call(method, params, result);
    if (++calls === args.hangAfter) {
      process.send?.({ lost: String(params.chat_id) });
      await new Promise(() => {});
    }
    return answer;
  },
};
const autoposts = register({
  db: createPool(args.db), log: testLog, clock: () => new Date(), nocodb: nocoRows(api, ids), links: nocoLinks(api, ids), bot,
  timeZone: 'Europe/Moscow', leaseMs: 2_000,
});
await autoposts.start!();
