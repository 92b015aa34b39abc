/**
 * What makes a flow a browser flow in Kratos: the UI URLs a browser is sent to
 * (`selfservice.flows.*.ui_url`), the return URLs (`default_browser_return_url`,
 * `allowed_return_urls`), content negotiation (JSON for SPAs and server-side UIs, 303
 * redirects for plain form posts) and the error UI, where a browser lands with
 * `?id=<error id>` to fetch the error from `GET /self-service/errors`.
 */
import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { OryError, oryErrorBody } from './ory-errors.ts';

export interface BrowserUrls {
  login: string;
  registration: string;
  settings: string;
  recovery: string;
  verification: string;
  error: string;
  /** selfservice.default_browser_return_url */
  defaultReturn: string;
  /** selfservice.flows.logout.after.default_browser_return_url */
  afterLogout: string;
  /** selfservice.allowed_return_urls: a return_to must start with one of these (scheme, host, port and path). */
  allowedReturn: string[];
}

/** As ory/kratos/kratos.yml, for the service on 127.0.0.1:3000. */
export function browserUrls(uiBase = 'http://127.0.0.1:3000', given: Partial<BrowserUrls> = {}): BrowserUrls {
  const base = uiBase.replace(/\/$/, '');
  const defaultReturn = given.defaultReturn ?? `${base}/`;
  return {
    login: `${base}/auth/login`,
    registration: `${base}/auth/registration`,
    settings: `${base}/auth/settings`,
    recovery: `${base}/auth/recovery`,
    verification: `${base}/auth/verification`,
    error: `${base}/auth/error`,
    afterLogout: `${base}/auth/login`,
    allowedReturn: [new URL(defaultReturn).origin],
    ...given,
    defaultReturn,
  };
}

/** Kratos answers JSON when the request sends JSON or prefers it to HTML (x.IsJSONRequest). */
export function wantsJson(req: Request): boolean {
  if (req.is('application/json')) return true;
  return req.accepts(['text/html', 'application/json']) === 'application/json';
}

/** The request's `return_to`, if allowed; Kratos refuses any other with 400. */
export function returnToOf(req: Request, urls: BrowserUrls): string | undefined {
  const wanted = req.query.return_to;
  if (typeof wanted !== 'string' || wanted === '') return undefined;
  const allowed = allowedReturnTo(wanted, urls);
  if (!allowed) throw notAllowed(wanted);
  return allowed;
}

/** The URL, normalized, if it is an allowed return URL; else undefined. */
export function allowedReturnTo(wanted: string, urls: BrowserUrls): string | undefined {
  let url: URL;
  try {
    url = new URL(wanted);
  } catch {
    return undefined;
  }
  const allowed = [urls.defaultReturn, ...urls.allowedReturn].some((prefix) => {
    const p = new URL(prefix);
    return url.origin === p.origin && url.pathname.startsWith(p.pathname);
  });
  return allowed ? url.toString() : undefined;
}

const notAllowed = (url: string) => new OryError(400, { reason: `Requested return_to URL "${url}" is not allowed.`, message: 'The request was malformed or contained invalid parameters' });

/** Errors shown to browsers on the error UI (`flowError` of kratos-api.json), in memory. */
export class FlowErrors {
  private readonly errors = new Map<string, { error: Record<string, unknown>; at: string }>();

  constructor(private readonly clock: () => Date) {}

  record(err: OryError): string {
    const id = randomUUID();
    this.errors.set(id, { error: oryErrorBody(err.code, err.fields).error, at: this.clock().toISOString() });
    return id;
  }

  view(id: unknown): Record<string, unknown> {
    const found = typeof id === 'string' ? this.errors.get(id) : undefined;
    if (!found) throw new OryError(404, { message: 'Unable to locate the resource', reason: 'No self-service error with this id.' });
    return { id, error: found.error, created_at: found.at, updated_at: found.at };
  }
}
