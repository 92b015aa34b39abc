import http from 'node:http';
import path from 'node:path';
import type { Logger } from 'pino';
import { createOry, type Ory, type OryConfig } from '../../ory/client.ts';
import { browserUrls, createOryStandin } from '../../ory/standin/index.ts';
import type { Config } from '../config.ts';

export const OPL_FILE = path.resolve(import.meta.dirname, '../../ory/keto/namespaces.keto.ts');

export interface OryHandle {
  ory: Ory;
  embedded: boolean;
  describe: string;
  stop(): Promise<void>;
}

/** Real Ory when configured (self-hosted URLs or Ory Network); otherwise the local stand-in. */
export function oryConfigFrom(config: Config): OryConfig | undefined {
  if (config.ORY_SDK_URL && config.ORY_API_KEY) return { mode: 'network', sdkUrl: config.ORY_SDK_URL, apiKey: config.ORY_API_KEY };
  const { KRATOS_PUBLIC_URL, KRATOS_ADMIN_URL, KETO_READ_URL, KETO_WRITE_URL } = config;
  if (KRATOS_PUBLIC_URL && KRATOS_ADMIN_URL && KETO_READ_URL && KETO_WRITE_URL) {
    return { mode: 'self-hosted', kratosPublicUrl: KRATOS_PUBLIC_URL, kratosAdminUrl: KRATOS_ADMIN_URL, ketoReadUrl: KETO_READ_URL, ketoWriteUrl: KETO_WRITE_URL };
  }
  return undefined;
}

/**
 * The stand-in keeps identities and permissions in a file with no real security: in
 * production (NODE_ENV=production) an incomplete Ory configuration is an error, never a
 * silent stand-in.
 */
export function refuseStandinInProduction(config: Config, nodeEnv: string | undefined): void {
  if (nodeEnv !== 'production') return;
  const given = ['ORY_SDK_URL', 'ORY_API_KEY', 'KRATOS_PUBLIC_URL', 'KRATOS_ADMIN_URL', 'KETO_READ_URL', 'KETO_WRITE_URL'].filter((k) => (config as unknown as Record<string, unknown>)[k]);
  throw new Error(`NODE_ENV=production needs Ory: set ORY_SDK_URL and ORY_API_KEY (Ory Network), or KRATOS_PUBLIC_URL, KRATOS_ADMIN_URL, KETO_READ_URL and KETO_WRITE_URL (self-hosted)${given.length ? `; given only ${given.join(', ')}` : ''}. The local Ory stand-in is for development and tests.`);
}

export async function startOry(opts: { config: Config; log: Logger; serviceUrl: string; kratosHookKey: string }): Promise<OryHandle> {
  const external = oryConfigFrom(opts.config);
  if (external) {
    const describe = external.mode === 'network' ? `Ory Network ${external.sdkUrl}` : `Kratos ${external.kratosPublicUrl}, Keto ${external.ketoReadUrl}`;
    return { ory: createOry(external), embedded: false, describe, stop: async () => {} };
  }
  refuseStandinInProduction(opts.config, process.env.NODE_ENV);
  const port = opts.config.ORY_STANDIN_PORT;
  const hook = (flow: string) => ({ url: `${opts.serviceUrl}/hooks/kratos/${flow}`, apiKey: opts.kratosHookKey });
  const app = createOryStandin({
    oplPath: OPL_FILE,
    storeFile: path.join(opts.config.dataDir, 'ory-standin.json'),
    webhooks: { registration: hook('registration'), settings: hook('settings') },
    // Browser flows send people to the service's pages, at kratos.yml's paths (/login, /registration, ...).
    browser: browserUrls(opts.serviceUrl),
    publicUrl: `http://127.0.0.1:${port}`,
    log: opts.log.child({ component: 'ory-standin' }),
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    ory: createOry({ mode: 'self-hosted', kratosPublicUrl: url, kratosAdminUrl: url, ketoReadUrl: url, ketoWriteUrl: url }),
    embedded: true,
    describe: `Ory stand-in (development only, not Ory) ${url}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
