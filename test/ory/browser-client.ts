/**
 * A browser, as far as Kratos' browser flows see one: plain fetch with redirect: 'manual'
 * and a cookie jar (Set-Cookie stored, expired cookies dropped, the jar sent as Cookie).
 * Every answer of the stand-in is checked against Kratos' OpenAPI at once.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { expect } from 'chai';
import { assertContract } from './standin-harness.ts';

export interface BrowserResponse {
  status: number;
  /** Location of a redirect. */
  location?: string;
  body: any;
  /** The raw Set-Cookie headers of this response. */
  setCookies: string[];
}

export interface BrowserRequest {
  /** Sent as application/x-www-form-urlencoded, as an HTML form posts. */
  form?: Record<string, string>;
  json?: unknown;
  /** Accept: application/json, as a server-side UI or an SPA asks. */
  asJson?: boolean;
  headers?: Record<string, string>;
}

export class Browser {
  private readonly jar = new Map<string, string>();

  constructor(private readonly standinUrl: string) {}

  cookie(name: string): string | undefined {
    return this.jar.get(name);
  }

  cookieNames(): string[] {
    return [...this.jar.keys()];
  }

  /** The anti-CSRF cookie's name (`csrf_token_<hash>`), if the jar has one. */
  csrfCookie(): string | undefined {
    return this.cookieNames().find((n) => /^csrf_token_[0-9a-f]{64}$/.test(n));
  }

  get(pathOrUrl: string, options: BrowserRequest = {}) {
    return this.request('GET', pathOrUrl, options);
  }

  post(pathOrUrl: string, options: BrowserRequest) {
    return this.request('POST', pathOrUrl, options);
  }

  async request(method: string, pathOrUrl: string, { form, json, asJson, headers = {} }: BrowserRequest = {}): Promise<BrowserResponse> {
    const url = new URL(pathOrUrl, this.standinUrl);
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        accept: asJson || json !== undefined ? 'application/json' : 'text/html,application/xhtml+xml,*/*;q=0.8',
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(cookie ? { cookie } : {}),
        ...headers,
      },
      body: form ? new URLSearchParams(form).toString() : json !== undefined ? JSON.stringify(json) : undefined,
    });
    const setCookies = res.headers.getSetCookie();
    for (const line of setCookies) this.store(line);
    const text = await res.text();
    const body = res.headers.get('content-type')?.includes('application/json') && text ? JSON.parse(text) : undefined;
    if (url.origin === new URL(this.standinUrl).origin) assertContract(method, `${url.pathname}${url.search}`, res.status, body);
    return { status: res.status, location: res.headers.get('location') ?? undefined, body, setCookies };
  }

  private store(line: string): void {
    const [pair = '', ...attributes] = line.split(';').map((s) => s.trim());
    const [name = '', ...value] = pair.split('=');
    const attr = (key: string) => attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
    const maxAge = attr('max-age');
    const expires = attr('expires');
    const expired = (maxAge !== undefined && Number(maxAge) <= 0) || (expires !== undefined && Date.parse(expires) <= Date.now());
    if (expired) this.jar.delete(name);
    else this.jar.set(name, value.join('='));
  }
}

/** The flow id in a redirect to a UI URL (`...?flow=<id>`). */
export function flowIdIn(location: string | undefined): string {
  const id = location ? new URL(location).searchParams.get('flow') : null;
  if (!id) throw new Error(`expected a redirect with ?flow=<id>, got ${location}`);
  return id;
}

/** The csrf_token node's value of a flow. */
export function csrfTokenOf(flow: any): string {
  const node = flow.ui.nodes.find((n: any) => n.attributes.name === 'csrf_token');
  if (!node) throw new Error('the flow has no csrf_token node');
  return node.attributes.value;
}

export type FlowKind = 'login' | 'registration' | 'settings' | 'recovery' | 'verification';

/** Opens a browser flow (303 to `<ui>/<kind>?flow=<id>`), then fetches it as a UI server would, forwarding the cookies. */
export async function openFlow(b: Browser, ui: string, kind: FlowKind, query = '') {
  const started = await b.get(`/self-service/${kind}/browser${query}`);
  expect(started.status, `GET /self-service/${kind}/browser: ${JSON.stringify(started.body)}`).to.equal(303);
  expect(started.location).to.match(new RegExp(`^${ui}/auth/${kind}\\?flow=`));
  return { ...(await fetchFlow(b, kind, flowIdIn(started.location))), started };
}

export async function fetchFlow(b: Browser, kind: FlowKind, id: string) {
  const res = await b.get(`/self-service/${kind}/flows?id=${id}`, { asJson: true });
  expect(res.status, `GET /self-service/${kind}/flows: ${JSON.stringify(res.body)}`).to.equal(200);
  return { id, flow: res.body, csrf: csrfTokenOf(res.body) };
}

/** A local receiver of Kratos web hooks at `path`: the bodies it got, its URL, close(). */
export async function startHookReceiver(path: string) {
  const bodies: any[] = [];
  const app = express().use(express.json());
  app.post(path, (req, res) => void (bodies.push(req.body), res.status(204).end()));
  const server: ReturnType<express.Express['listen']> = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { bodies, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, close: () => void server.close() };
}
