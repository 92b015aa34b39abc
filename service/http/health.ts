import type { RequestHandler } from 'express';
import { withTimeout } from '../inbox/queues.ts';
import { safeEqual } from '../../hooks/signature.ts';

export type HealthCheck = () => Promise<void>;

export interface ComponentHealth {
  status: 'up' | 'down';
  ms: number;
  error?: string;
}

export async function checkAll(checks: Record<string, HealthCheck>): Promise<Record<string, ComponentHealth>> {
  const entries = await Promise.all(Object.entries(checks).map(async ([name, check]) => {
    const started = Date.now();
    try {
      await withTimeout(check(), 2_000, name);
      return [name, { status: 'up', ms: Date.now() - started }] as const;
    } catch (e) {
      return [name, { status: 'down', ms: Date.now() - started, error: (e as Error).message }] as const;
    }
  }));
  return Object.fromEntries(entries);
}

/**
 * GET /health: 200 only when every component is up. Anyone may ask (load balancers do); the
 * components' states and error messages are shown only to a caller with the operations
 * token (`Authorization: Bearer OPS_TOKEN`). The checks run at most once per `cacheMs`,
 * however many ask: a flood of probes costs the backends nothing more.
 */
export function healthHandler(checks: Record<string, HealthCheck>, opts: { token?: string; cacheMs?: number; now?: () => number } = {}): RequestHandler {
  const now = opts.now ?? Date.now;
  const cacheMs = opts.cacheMs ?? 2000;
  let last: { at: number; result: Promise<Record<string, ComponentHealth>> } | undefined;
  return async (req, res) => {
    if (!last || now() - last.at >= cacheMs) last = { at: now(), result: checkAll(checks) };
    const components = await last.result;
    const ok = Object.values(components).every((c) => c.status === 'up');
    res.status(ok ? 200 : 503).json({ status: ok ? 'up' : 'degraded', ...(hasToken(req, opts.token) ? { components } : {}) });
  };
}

/** Whether the request carries the operations token (none configured: only local development shows details). */
export function hasToken(req: { get(name: string): string | undefined }, token: string | undefined): boolean {
  if (!token) return process.env.NODE_ENV !== 'production';
  const given = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1];
  return !!given && safeEqual(given, token);
}
