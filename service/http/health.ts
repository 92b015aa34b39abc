import type { RequestHandler } from 'express';
import { withTimeout } from '../inbox/queues.ts';

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

/** GET /health: each component's state; 200 only when all are up. */
export function healthHandler(checks: Record<string, HealthCheck>): RequestHandler {
  return async (_req, res) => {
    const components = await checkAll(checks);
    const ok = Object.values(components).every((c) => c.status === 'up');
    res.status(ok ? 200 : 503).json({ status: ok ? 'up' : 'degraded', components });
  };
}
