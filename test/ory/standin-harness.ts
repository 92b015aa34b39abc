/**
 * Starts the Ory stand-in on an ephemeral port for a test file, with:
 * - `ory`: ory/client.ts pointed at it (self-hosted mode, all four URLs on the one port);
 *   every response it receives is checked against Ory's OpenAPI files, and mismatches
 *   are collected in `contractFailures` (assert it is empty after each test);
 * - `raw`: plain HTTP whose every response is checked against the spec at once.
 */
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Server } from 'node:http';
import { createOry, type Ory } from '../../ory/client.ts';
import { createOryStandin, type OryStandinOptions } from '../../ory/standin/index.ts';
import { OpenApiContract } from './openapi-contract.ts';
import { repoRoot, specFile } from './spec-dir.ts';

export const REAL_OPL = path.join(repoRoot, 'ory/keto/namespaces.keto.ts');

let contracts: { kratos: OpenApiContract; keto: OpenApiContract } | undefined;
/** Parsed once per run: the Kratos spec is large. */
export function oryContracts() {
  contracts ??= { kratos: new OpenApiContract(specFile('kratos-api.json')), keto: new OpenApiContract(specFile('keto-api.json')) };
  return contracts;
}

/** Keto's paths; everything else on the stand-in's port is Kratos. */
const isKeto = (pathname: string) => /^\/(admin\/)?relation-tuples|^\/namespaces$/.test(pathname);

export function assertContract(method: string, url: string, status: number, body: unknown): void {
  const pathname = new URL(url, 'http://x.invalid').pathname;
  if (isVerificationLink(method, pathname)) {
    if (status !== 303 || body !== undefined) throw new Error(`GET /self-service/verification (a verification link) -> ${status}: Kratos answers only 303 without a body`);
    return;
  }
  const c = oryContracts();
  (isKeto(pathname) ? c.keto : c.kratos).assert({ method, url, status, body: asSpecified(status, body) });
}

/**
 * A route Kratos serves that its spec leaves out: the link in a verification message,
 * `GET /self-service/verification?code=&flow=` (selfservice/flow/verification/handler.go
 * registers GET beside POST on the submit route); it always redirects.
 */
const isVerificationLink = (method: string, pathname: string) => method.toUpperCase() === 'GET' && pathname === '/self-service/verification';

/**
 * One known gap between Kratos and its spec: `errorBrowserLocationChangeRequired` (422)
 * declares `error` as `errorGeneric`, i.e. `{ error: { id, code, ... } }`, but Kratos sends
 * the error itself there (flow/error.go, BrowserLocationChangeRequiredError), as does the
 * stand-in. Its fields are checked one level down, so everything else still must match.
 */
function asSpecified(status: number, body: unknown): unknown {
  const b = body as { error?: unknown; redirect_browser_to?: unknown } | undefined;
  return status === 422 && typeof b?.redirect_browser_to === 'string' ? { ...b, error: { error: b.error } } : body;
}

export interface RawResponse {
  status: number;
  body: any;
  headers: Headers;
}

export interface Harness {
  url: string;
  ory: Ory;
  raw(method: string, path: string, options?: { body?: unknown; headers?: Record<string, string> }): Promise<RawResponse>;
  contractFailures: string[];
  /** How many responses to ory/client.ts were checked against the spec. */
  contractChecks: () => number;
  logs: string[];
  close(): Promise<void>;
}

// @ory/client uses axios through require(): watch that (CommonJS) instance.
const sdkAxios = createRequire(import.meta.url)('axios') as {
  interceptors: { response: { use(ok: (r: any) => any, fail: (e: any) => any): number; eject(id: number): void } };
};

export async function startStandin(options: Partial<OryStandinOptions> = {}): Promise<Harness> {
  const logs: string[] = [];
  const record = (level: string) => (_fields: object, message: string) => void logs.push(`${level}: ${message}`);
  const app = createOryStandin({ oplPath: REAL_OPL, log: { info: record('info'), warn: record('warn'), error: record('error') }, ...options });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const contractFailures: string[] = [];
  let checks = 0;

  const check = (res: { status: number; data: unknown; config: { method?: string; url?: string } }) => {
    if (!res.config.url?.startsWith(url)) return;
    checks += 1;
    try {
      assertContract(res.config.method ?? 'get', res.config.url, res.status, res.data === '' ? undefined : res.data);
    } catch (err) {
      contractFailures.push((err as Error).message);
    }
  };
  const interceptor = sdkAxios.interceptors.response.use(
    (res) => (check(res), res),
    (err) => {
      if (err?.response) check(err.response);
      return Promise.reject(err);
    },
  );

  return {
    url,
    ory: createOry({ mode: 'self-hosted', kratosPublicUrl: url, kratosAdminUrl: url, ketoReadUrl: url, ketoWriteUrl: url, timeoutMs: 5000 }),
    async raw(method, path, { body, headers = {} } = {}) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), accept: 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      const parsed = text ? JSON.parse(text) : undefined;
      assertContract(method, path, res.status, parsed);
      return { status: res.status, body: parsed, headers: res.headers };
    },
    contractFailures,
    contractChecks: () => checks,
    logs,
    async close() {
      sdkAxios.interceptors.response.eject(interceptor);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
