import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import type { Logger } from 'pino';

export interface RedisHandle {
  url: string;
  embedded: boolean;
  /** Stops the server (the embedded one only); `start` brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

const CANDIDATES = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'];

export function findRedisServer(): string | undefined {
  const onPath = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
  return onPath || CANDIDATES.find((p) => existsSync(p));
}

/** Finds redis-server, installing Debian's package when we are root on Debian. */
export function ensureRedisServer(log: Logger): string {
  const found = findRedisServer();
  if (found) return found;
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall) {
    throw new Error('redis-server is missing: install it with `sudo apt-get install -y redis-server`, or set REDIS_URL');
  }
  log.info({ component: 'redis' }, 'installing Debian package redis-server (apt-get), this takes a minute');
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'redis-server']]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed; install redis-server by hand or set REDIS_URL`);
  }
  const installed = findRedisServer();
  if (!installed) throw new Error('redis-server still missing after apt-get install');
  return installed;
}

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.end();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on port ${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/** Starts Debian's redis-server as a child process with its data in `dir`. */
export async function startEmbeddedRedis(opts: { dir: string; port: number; log: Logger }): Promise<RedisHandle> {
  const { dir, port, log } = opts;
  const bin = ensureRedisServer(log);
  await mkdir(dir, { recursive: true });
  let child: ChildProcess | undefined;

  const start = async () => {
    child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '60 1',
      '--appendonly', 'yes', '--daemonize', 'no', '--protected-mode', 'yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d) => log.debug({ component: 'redis' }, String(d).trim()));
    child.stderr?.on('data', (d) => log.warn({ component: 'redis' }, String(d).trim()));
    await waitForPort(port, 10_000);
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, embedded: true, start, stop };
}

export function externalRedis(url: string): RedisHandle {
  const notEmbedded = async () => {
    throw new Error('REDIS_URL points at an external Redis: it is not ours to stop or start');
  };
  return { url, embedded: false, stop: async () => {}, start: notEmbedded };
}

export { waitForPort };
