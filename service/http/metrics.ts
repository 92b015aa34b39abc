import type { RequestHandler } from 'express';
import { hasToken } from './health.ts';
import type pg from 'pg';
import client from 'prom-client';

export interface Metrics {
  registry: client.Registry;
  deliveries: client.Counter<'route' | 'status'>;
  ackSeconds: client.Histogram<'route'>;
  processed: client.Counter<'consumer' | 'result'>;
}

/** Prometheus metrics on a registry of our own (no global default registry). */
export function createMetrics(db: pg.Pool): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const deliveries = new client.Counter({ name: 'school_webhook_deliveries_total', help: 'Webhook requests by route and status', labelNames: ['route', 'status'] as const, registers: [registry] });
  const ackSeconds = new client.Histogram({
    name: 'school_webhook_ack_seconds', help: 'Time to acknowledge a webhook delivery', labelNames: ['route'] as const,
    buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: [registry],
  });
  const processed = new client.Counter({ name: 'school_inbox_processed_total', help: 'Inbox events handled by consumers', labelNames: ['consumer', 'result'] as const, registers: [registry] });
  new client.Gauge({
    name: 'school_inbox_jobs', help: 'Inbox jobs by consumer and status', labelNames: ['consumer', 'status'] as const, registers: [registry],
    async collect() {
      this.reset();
      const { rows } = await db.query<{ consumer: string; status: string; n: number }>(
        `select consumer, status, count(*)::int as n from inbox_job where status <> 'done' group by 1, 2`);
      for (const r of rows) this.set({ consumer: r.consumer, status: r.status }, r.n);
    },
  });
  return { registry, deliveries, ackSeconds, processed };
}

/** GET /metrics for Prometheus, with the operations token (OPS_TOKEN); in local development without one, open. */
export function metricsHandler(metrics: Metrics, token?: string): RequestHandler {
  return async (req, res) => {
    if (!hasToken(req, token)) {
      res.status(401).json({ error: { code: 'TOKEN_REQUIRED', message: 'metrics need Authorization: Bearer <OPS_TOKEN>' } });
      return;
    }
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  };
}

/** The receivers a /hooks label may name; any other path is counted as `/hooks/other`, so a caller cannot make series. */
export const HOOK_ROUTES = ['nocodb', 'kratos', 'discourse', 'collector', 'telegram'] as const;

/** Counts and times every /hooks request, by receiver (/hooks/<source>), from a fixed set of labels. */
export function hookMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const first = req.path.split('/')[1] ?? '';
    const route = `${req.baseUrl}/${(HOOK_ROUTES as readonly string[]).includes(first) ? first : 'other'}`;
    const end = metrics.ackSeconds.startTimer({ route });
    res.on('finish', () => {
      metrics.deliveries.inc({ route, status: String(res.statusCode) });
      end();
    });
    next();
  };
}
