/**
 * A service process for the crash test: the real platform with a consumer that writes its
 * effect and then hangs inside the transaction, until the test kills this process.
 */
import { createPool } from '../../kernel/db.ts';
import type { Consumer } from '../../kernel/capability.ts';
import { startTestPlatform } from './platform.ts';

const [dbUrl, redisUrl] = process.argv.slice(2) as [string, string];
const hanging: Consumer = {
  name: 'crash-recorder',
  topics: ['discourse.post_created'],
  async handle(event, { tx }) {
    await tx.query('insert into crash_effect (event_id) values ($1)', [event.id]);
    process.send?.({ inJob: event.id });
    await new Promise(() => {});
  },
};
const platform = await startTestPlatform({ db: createPool(dbUrl), redisUrl, consumers: [hanging] });
process.send?.({ url: platform.url });
