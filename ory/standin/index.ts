/**
 * Ory stand-in: a development-only server that answers, on ONE port, the parts of the
 * Kratos public and admin APIs and the Keto read and write APIs that the project uses,
 * with the paths, status codes and bodies of Ory's published OpenAPI descriptions:
 * login, registration and settings with the password (and profile) method, recovery and
 * verification by code (a verification code e-mailed at registration, as Kratos with
 * verification enabled), logout, as API and browser flows (CSRF cookie, session cookie,
 * redirects to the UI URLs). It is not Ory: no code or OIDC login, no second factors, and
 * a courier that logs instead of sending. Point every Ory URL of ory/client.ts at it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import { DEFAULT_MAX_DEPTH, loadOpl } from '../opl/index.ts';
import { browserUrls, FlowErrors, type BrowserUrls } from './browser.ts';
import { Courier } from './courier.ts';
import { Flows } from './flows.ts';
import { Identities } from './identities.ts';
import { loadIdentitySchema } from './identity-schema.ts';
import { kratosAdminRoutes } from './kratos-admin.ts';
import { kratosPublicRoutes } from './kratos-public.ts';
import { ketoRoutes } from './keto.ts';
import { OryError, sendOryError } from './ory-errors.ts';
import { Sessions } from './sessions.ts';
import { StandinStore } from './store.ts';
import type { WebhookTarget } from './webhook.ts';

export type { WebhookTarget } from './webhook.ts';
export { browserUrls, type BrowserUrls } from './browser.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DEFAULT_IDENTITY_SCHEMA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../kratos/identity.schema.json');

/** What the stand-in logs through: a pino Logger fits. */
export interface StandinLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface OryStandinOptions {
  /** The OPL file Keto would load, e.g. ory/keto/namespaces.keto.ts. */
  oplPath: string;
  /** JSON file to persist identities, sessions and tuples; in memory when absent. */
  storeFile?: string;
  /** Kratos' web hooks (kratos.yml): after password registration, after a profile change in settings. */
  webhooks?: { registration?: WebhookTarget; settings?: WebhookTarget };
  /** UI and return URLs of browser flows (selfservice.flows.*.ui_url ...); default browserUrls(): kratos.yml's, on 127.0.0.1:3000. */
  browser?: BrowserUrls;
  log: StandinLog;
  /** Default ory/kratos/identity.schema.json. */
  identitySchemaPath?: string;
  /** Base URL in flow actions and schema URLs; default: taken from each request. */
  publicUrl?: string;
  /** Keto's limit.max_read_depth; default 5. */
  maxDepth?: number;
  /** Default 8, as kratos.yml. */
  minPasswordLength?: number;
  /** Default 720 h, as kratos.yml. */
  sessionLifespanMs?: number;
  /** Default 15 min, as kratos.yml (settings.privileged_session_max_age). */
  privilegedSessionMaxAgeMs?: number;
  /** Lifespan of recovery and verification codes; default 15 min, as kratos.yml (methods.code). */
  codeLifespanMs?: number;
  /** selfservice.flows.verification.enabled: registration e-mails a verification code; default true, as kratos.yml. */
  verificationEnabled?: boolean;
  clock?: () => Date;
}

export function createOryStandin(options: OryStandinOptions): express.Express {
  const { log } = options;
  const clock = options.clock ?? (() => new Date());
  const store = new StandinStore(options.storeFile);
  const schema = loadIdentitySchema(options.identitySchemaPath ?? DEFAULT_IDENTITY_SCHEMA);
  const model = loadOpl(options.oplPath);

  let requestBase = options.publicUrl ?? 'http://127.0.0.1:4433';
  const publicUrl = () => options.publicUrl ?? requestBase;
  const identities = new Identities(store, schema, publicUrl, clock);
  const sessions = new Sessions(store, identities, options.sessionLifespanMs ?? 720 * HOUR, clock);
  const flows = new Flows(schema, publicUrl, HOUR, clock);
  const courier = new Courier(log, clock);

  const app = express();
  app.disable('x-powered-by');
  app.use((req, _res, next) => {
    requestBase = `${req.protocol}://${req.get('host')}`;
    next();
  });
  app.use(express.json({ limit: '1mb', type: ['application/json', 'application/*+json'] }));
  app.use(express.urlencoded({ extended: false, limit: '1mb' }));

  const health = (_req: Request, res: Response) => void res.json({ status: 'ok' });
  app.get('/health/alive', health);
  app.get('/health/ready', health);
  app.get('/version', (_req, res) => void res.json({ version: 'v26.2.0-standin' }));

  app.use(
    kratosPublicRoutes(
      {
        identities,
        sessions,
        flows,
        schema,
        courier,
        urls: options.browser ?? browserUrls(),
        publicUrl,
        minPasswordLength: options.minPasswordLength ?? 8,
        privilegedMaxAgeMs: options.privilegedSessionMaxAgeMs ?? 15 * MINUTE,
        codeLifespanMs: options.codeLifespanMs ?? 15 * MINUTE,
        verificationEnabled: options.verificationEnabled ?? true,
        hooks: options.webhooks ?? {},
        clock,
      },
      new FlowErrors(clock),
    ),
  );
  app.use(kratosAdminRoutes({ identities, sessions }), courier.routes());
  app.use(ketoRoutes({ model, store, maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH }));

  app.use((_req, _res, next) => next(new OryError(404, { reason: 'The stand-in does not serve this path.' })));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof OryError) return sendOryError(res, err);
    if (isBodyParseError(err)) return sendOryError(res, new OryError(400, { reason: `The request body is not valid JSON: ${err.message}` }));
    log.error({ err, method: req.method, path: req.path }, 'Ory stand-in: unexpected error');
    sendOryError(res, new OryError(500, { reason: (err as Error)?.message }));
  });

  log.warn(
    { oplPath: options.oplPath, storeFile: options.storeFile ?? null, namespaces: [...model.keys()] },
    'Ory stand-in (development only, not Ory)',
  );
  return app;
}

function isBodyParseError(err: unknown): err is Error {
  return err instanceof SyntaxError && (err as { type?: string }).type === 'entity.parse.failed';
}
