/**
 * The service under load for scripts/bench/webhooks.ts, in its own process so that the
 * load generator does not share its event loop: the real platform (receivers, inbox,
 * dispatcher, bull workers) with a consumer that takes every topic and does nothing, or
 * with the points capability (BENCH_CONSUMERS=points).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { register } from '../../extensions/points/index.ts';
import { createPool } from '../../kernel/db.ts';
import { createLogger } from '../../service/log.ts';
import { createPlatform } from '../../service/platform.ts';

const [dbUrl, redisUrl, secretsJson] = process.argv.slice(2) as [string, string, string];
const log = createLogger('warn', 'bench');
const db = createPool(dbUrl, 30);
const consumers = process.env.BENCH_CONSUMERS ?? 'noop';
const platform = createPlatform({
  db, redisUrl, log, secrets: JSON.parse(secretsJson), tableById: () => undefined,
  // none: receivers only; points: the points capability (scripts/bench/points.ts); noop: a consumer of every topic that does nothing.
  capabilities: consumers === 'none' ? [] : consumers === 'points'
    ? [register({ db, log, clock: () => new Date(), guard: () => (_req, _res, next) => next(), signedIn: (_req, _res, next) => next(), defaultTimeZone: 'Europe/Moscow' })]
    : [{ name: 'bench', consumers: [{ name: 'bench-noop', topics: ['discourse.post_created'], handle: async () => {} }] }],
  health: {}, staffGuard: (_req, _res, next) => next(), inboxStaleSeconds: 120, maxAttempts: 5, concurrency: 4,
  runWorkers: process.env.BENCH_WORKERS !== 'off',
});
const server = http.createServer(platform.app);
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
