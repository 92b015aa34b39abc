/**
 * Runs the Ory stand-in for development: `npx tsx ory/standin/main.ts`.
 * Environment (read here only, since this is a separate program):
 *   ORY_STANDIN_PORT   default 4433; point Kratos public/admin and Keto read/write URLs here
 *   ORY_STANDIN_STORE  default .data/ory-standin.json
 *   ORY_STANDIN_OPL    default ory/keto/namespaces.keto.ts
 *   KRATOS_HOOK_URL    after-registration web hook, e.g. http://127.0.0.1:3000/hooks/kratos/registration
 *   KRATOS_SETTINGS_HOOK_URL  after-settings (profile) web hook, e.g. http://127.0.0.1:3000/hooks/kratos/settings
 *   KRATOS_HOOK_KEY    their X-Hook-Key value
 *   ORY_STANDIN_UI_URL default http://127.0.0.1:3000: where browser flows send people
 *                      (<it>/login, /registration, /settings, /recovery, /verification, /error, as kratos.yml)
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { browserUrls, createOryStandin } from './index.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const env = process.env;
const port = Number(env.ORY_STANDIN_PORT ?? 4433);
const log = pino({ name: 'ory-standin' });
const hook = (url: string | undefined) => (url ? { url, apiKey: env.KRATOS_HOOK_KEY ?? '' } : undefined);

const app = createOryStandin({
  oplPath: env.ORY_STANDIN_OPL ?? path.join(root, 'ory/keto/namespaces.keto.ts'),
  storeFile: env.ORY_STANDIN_STORE ?? path.join(root, '.data/ory-standin.json'),
  webhooks: { registration: hook(env.KRATOS_HOOK_URL), settings: hook(env.KRATOS_SETTINGS_HOOK_URL) },
  browser: browserUrls(env.ORY_STANDIN_UI_URL),
  publicUrl: `http://127.0.0.1:${port}`,
  log,
});
app.listen(port, '127.0.0.1', () => log.info({ port }, 'Ory stand-in listening'));
