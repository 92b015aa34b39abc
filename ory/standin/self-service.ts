/**
 * What every self-service flow shares: starting one (a browser flow gets the anti-CSRF
 * cookie and, for a plain browser request, a 303 to its UI URL with `?flow=<id>`),
 * fetching one, and submitting one: find the flow, read a JSON or form body, check the
 * CSRF token of a browser flow, run the method, then answer as Kratos does: JSON for API
 * flows and JSON requests, a 303 for browser form posts (success to its return URL, a form
 * to show again back to the UI URL with the same flow id), setting the session cookie when
 * a browser flow signs someone in.
 */
import type { Request, RequestHandler, Response } from 'express';
import { returnToOf, wantsJson, type BrowserUrls } from './browser.ts';
import { readCookie } from './cookies.ts';
import type { Courier } from './courier.ts';
import { csrfCookieName, CSRF_COOKIE_MAX_AGE_MS, csrfMatches, csrfViolation, isCsrfBase, maskCsrf, newCsrfBase } from './csrf.ts';
import type { Flow, FlowKind, FlowStart, FlowType, Flows, FormErrors } from './flows.ts';
import type { Identities } from './identities.ts';
import type { IdentitySchema } from './identity-schema.ts';
import { OryError } from './ory-errors.ts';
import { sessionToken, setSessionCookie, type Sessions } from './sessions.ts';
import type { StoredIdentity, StoredSession } from './store.ts';
import type { WebhookTarget } from './webhook.ts';

export interface SelfServiceDeps {
  identities: Identities;
  sessions: Sessions;
  flows: Flows;
  schema: IdentitySchema;
  courier: Courier;
  urls: BrowserUrls;
  publicUrl: () => string;
  minPasswordLength: number;
  /** selfservice.flows.settings.privileged_session_max_age */
  privilegedMaxAgeMs: number;
  /** selfservice.methods.code.config.lifespan */
  codeLifespanMs: number;
  /** selfservice.flows.verification.enabled: a code goes to each new identity's address after registration. */
  verificationEnabled: boolean;
  hooks: { registration?: WebhookTarget; settings?: WebhookTarget };
  clock: () => Date;
}

/** How a submission ends: the JSON answer, or for a browser form post a 303 to `redirect` (default: the flow's UI URL). */
export interface Outcome {
  status: number;
  body: unknown;
  redirect?: string;
  /** A 303 to this URL whatever the request prefers (Kratos sends some JSON clients a redirect too). */
  location?: string;
  /** A browser flow that signed someone in sets this session's cookie. */
  session?: StoredSession;
}

export const requestUrl = (d: SelfServiceDeps, req: Request) => `${d.publicUrl()}${req.originalUrl}`;
/** Cookies are Secure when the public URL is https, as Kratos without dev mode. */
export const secureCookies = (d: SelfServiceDeps) => d.publicUrl().startsWith('https:');

export const currentSession = (d: SelfServiceDeps, req: Request) => d.sessions.find(sessionToken(req.headers));

export const noSession = () =>
  new OryError(401, { id: 'session_inactive', reason: 'No active session was found in this request.', message: 'request does not have a valid authentication session' });

export function requireSession(d: SelfServiceDeps, req: Request): { session: StoredSession; identity: StoredIdentity } {
  const found = currentSession(d, req);
  if (!found) throw noSession();
  return found;
}

/** A new flow; a browser flow's form gets a token masked from the anti-CSRF cookie, which is set if absent. */
export function startFlow(d: SelfServiceDeps, req: Request, res: Response, kind: FlowKind, type: FlowType, start: Omit<FlowStart, 'type' | 'requestUrl' | 'csrf'> = {}): Flow {
  const csrf = type === 'browser' ? maskCsrf(csrfBase(d, req, res)) : '';
  const returnTo = type === 'browser' ? returnToOf(req, d.urls) : undefined;
  return d.flows.start(kind, { returnTo, ...start, type, requestUrl: requestUrl(d, req), csrf });
}

function csrfBase(d: SelfServiceDeps, req: Request, res: Response): string {
  const existing = readCookie(req.headers, csrfCookieName(d.publicUrl()));
  if (existing && isCsrfBase(existing)) return existing;
  return setCsrfCookie(d, res);
}

function setCsrfCookie(d: SelfServiceDeps, res: Response): string {
  const base = newCsrfBase();
  res.cookie(csrfCookieName(d.publicUrl()), base, { httpOnly: true, sameSite: 'lax', path: '/', secure: secureCookies(d), maxAge: CSRF_COOKIE_MAX_AGE_MS });
  return base;
}

/** nosurf's RegenerateToken: a new anti-CSRF cookie, and a form token masked from it. */
export const regenerateCsrf = (d: SelfServiceDeps, res: Response) => maskCsrf(setCsrfCookie(d, res));

/** A new browser flow: a plain browser request goes to the UI URL, a JSON request gets the flow. */
export function answerNewFlow(d: SelfServiceDeps, req: Request, res: Response, flow: Flow): void {
  if (flow.type === 'browser' && !wantsJson(req)) return res.redirect(303, `${d.urls[flow.kind]}?flow=${flow.id}`);
  res.json(flowView(d, flow));
}

/** `GET /self-service/<kind>/flows?id=`: a browser flow only with its anti-CSRF cookie (403 otherwise), as Kratos. */
export function getFlow(d: SelfServiceDeps, kind: FlowKind, checkCsrfCookie: boolean): RequestHandler {
  return (req, res) => {
    const flow = d.flows.take(kind, req.query.id);
    if (checkCsrfCookie && flow.type === 'browser') checkCsrf(d, req, flow.csrf);
    res.json(flowView(d, flow));
  };
}

/** The flow's JSON; a settings flow shows its identity. */
export function flowView(d: SelfServiceDeps, flow: Flow, extra: { continue_with?: unknown[] } = {}): Record<string, unknown> {
  const identity = flow.kind === 'settings' && flow.identity_id ? d.identities.get(flow.identity_id) : undefined;
  return d.flows.view(flow, { ...extra, ...(identity ? { identity: d.identities.view(identity, { admin: false }) } : {}) });
}

/** Shows the form again with these messages and values: 400 with the flow, or back to the UI URL. */
export function again(d: SelfServiceDeps, flow: Flow, form: FormErrors, active?: string): Outcome {
  d.flows.show(flow, form, active);
  return { status: 400, body: flowView(d, flow) };
}

export const shown = (d: SelfServiceDeps, flow: Flow, extra: { continue_with?: unknown[] } = {}): Outcome => ({ status: 200, body: flowView(d, flow, extra) });

export const unsupportedMethod = (method: unknown, supported: string) =>
  `The stand-in supports only the ${supported} method here, not ${JSON.stringify(method)}.`;

type Handler = (flow: Flow, body: Record<string, unknown>, req: Request, res: Response) => Outcome | Promise<Outcome>;

/** `POST /self-service/<kind>?flow=`. */
export function submission(d: SelfServiceDeps, kind: FlowKind, handle: Handler): RequestHandler {
  return async (req, res) => {
    const flow = d.flows.take(kind, req.query.flow);
    res.locals.flowType = flow.type;
    const body = formBody(req, d.schema);
    if (flow.type === 'browser') checkCsrf(d, req, body.csrf_token ?? req.get('x-csrf-token'));
    const outcome = await handle(flow, body, req, res);
    if (outcome.session && flow.type === 'browser') setSessionCookie(res, outcome.session, secureCookies(d));
    if (outcome.location) return res.redirect(303, outcome.location);
    if (flow.type === 'browser' && !wantsJson(req)) return res.redirect(303, outcome.redirect ?? `${d.urls[kind]}?flow=${flow.id}`);
    res.status(outcome.status).json(outcome.body);
  };
}

function checkCsrf(d: SelfServiceDeps, req: Request, sent: unknown): void {
  const base = readCookie(req.headers, csrfCookieName(d.publicUrl()));
  if (csrfMatches(base, sent)) return;
  // The reject reasons of nosurfx.CSRFErrorReason.
  if (!req.headers.cookie) throw csrfViolation('The HTTP Cookie Header is empty or not set.');
  if (!base) throw csrfViolation('The HTTP Cookie Header was set but did not include the anti-CSRF cookie.');
  if (!sent) throw csrfViolation('The anti-CSRF cookie was found but the CSRF token was not included in the HTTP request body (csrf_token) nor in the HTTP Header (X-CSRF-Token).');
  throw csrfViolation('The HTTP Cookie Header was set and a CSRF token was sent but they do not match. We recommend deleting all cookies for this domain and retrying the flow.');
}

/** A signed-in answer of login and registration: the session (and its token for API flows), or a 303 to the return URL. */
export function signedIn(d: SelfServiceDeps, flow: Flow, session: StoredSession, identity: StoredIdentity, extra: Record<string, unknown> = {}): Outcome {
  const view = d.sessions.view(session, identity, false);
  if (flow.type === 'api') return { status: 200, body: { ...extra, session: view, session_token: session.token } };
  const redirect = flow.return_to ?? d.urls.defaultReturn;
  return { status: 200, body: { ...extra, session: view, continue_with: [{ action: 'redirect_browser_to', redirect_browser_to: redirect }] }, redirect, session };
}

/** Login or registration while signed in: a browser goes to the return URL, JSON gets 400 `session_already_available`. */
export function alreadySignedIn(d: SelfServiceDeps, req: Request, res: Response): void {
  if (!wantsJson(req)) return res.redirect(303, returnToOf(req, d.urls) ?? d.urls.defaultReturn);
  throw new OryError(400, {
    id: 'session_already_available',
    reason: 'A valid session was detected and thus login is not possible. Did you forget to set `?refresh=true`?',
    message: 'A valid Ory Session already exists',
  });
}

/**
 * A form post's fields as the JSON body Kratos decodes them into (decoderx): dotted names
 * become nested objects (`traits.name.first`), numeric traits become numbers, the last of
 * repeated fields wins, and empty trait fields are left out (an optional trait a form
 * leaves empty is absent, a required one is then reported missing).
 */
function formBody(req: Request, schema: IdentitySchema): Record<string, unknown> {
  const body: unknown = req.body;
  if (!req.is('application/x-www-form-urlencoded')) return isObject(body) ? body : {};
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(body as Record<string, unknown>)) {
    const value = Array.isArray(raw) ? raw.at(-1) : raw;
    const path = key.split('.');
    if (typeof value !== 'string' || path.some((p) => p === '__proto__' || p === 'constructor' || p === 'prototype')) continue;
    if (path[0] === 'traits' && value === '') continue;
    const field = path[0] === 'traits' ? schema.fields.find((f) => f.path.join('.') === path.slice(1).join('.')) : undefined;
    const numeric = field && (field.schema.type === 'integer' || field.schema.type === 'number') && /^-?\d+(\.\d+)?$/.test(value);
    setAt(out, path, numeric ? Number(value) : value);
  }
  return out;
}

function setAt(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (!isObject(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1)!] = value;
}

export const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
