import { fork, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import axios from 'axios';
import type { Logger } from 'pino';

export interface NocodbHandle {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

const PROCESS_SCRIPT = path.resolve(import.meta.dirname, 'process.cjs');

/** `pg://host:port?u=..&p=..&d=..`, the form NocoDB's NC_DB takes, from a postgres:// URL. */
export function ncDbFromPostgresUrl(url: string): string {
  const u = new URL(url);
  const q = new URLSearchParams({ u: decodeURIComponent(u.username), p: decodeURIComponent(u.password), d: u.pathname.slice(1) });
  return `pg://${u.hostname}:${u.port || 5432}?${q.toString()}`;
}

/**
 * Starts the real NocoDB (npm package `nocodb`) as a child process with its meta database
 * in our PostgreSQL. The first start creates the super admin from NC_ADMIN_EMAIL/PASSWORD.
 */
export async function startEmbeddedNocodb(opts: {
  metaDbUrl: string;
  port: number;
  dir: string;
  adminEmail: string;
  adminPassword: string;
  jwtSecret: string;
  log: Logger;
}): Promise<NocodbHandle> {
  const { port, log } = opts;
  await mkdir(opts.dir, { recursive: true });
  const child: ChildProcess = fork(PROCESS_SCRIPT, [], {
    cwd: opts.dir,
    execArgv: [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: {
      ...process.env,
      PORT: String(port),
      NC_DB: ncDbFromPostgresUrl(opts.metaDbUrl),
      NC_AUTH_JWT_SECRET: opts.jwtSecret,
      NC_ADMIN_EMAIL: opts.adminEmail,
      NC_ADMIN_PASSWORD: opts.adminPassword,
      NC_DISABLE_TELE: 'true',
      NC_ALLOW_LOCAL_HOOKS: 'true',
      NC_PUBLIC_URL: `http://127.0.0.1:${port}`,
      NODE_ENV: 'production',
    },
  });
  const tail: string[] = [];
  const keep = (d: Buffer) => {
    const text = String(d);
    tail.push(text);
    if (tail.length > 40) tail.shift();
    log.trace({ component: 'nocodb' }, text.trim());
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`NocoDB did not start in 120 s:\n${tail.join('')}`)), 120_000);
    child.on('message', (m) => {
      if ((m as { ready?: boolean }).ready) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`NocoDB exited with code ${code} during start-up:\n${tail.join('')}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, 30_000);
  log.info({ component: 'nocodb', url }, 'NocoDB is up');

  return {
    url,
    embedded: true,
    async stop() {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      });
    },
  };
}

export async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await axios.get(`${url}/api/v1/health`, { timeout: 2_000 });
      if (r.status === 200) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`NocoDB at ${url} is not healthy`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Signs in as the admin and creates an API token for the service (tokens carry the user's roles). */
export async function createApiToken(url: string, email: string, password: string, description: string): Promise<string> {
  const { data } = await axios.post(`${url}/api/v1/tokens`, { description }, { headers: { 'xc-auth': await signIn(url, email, password) } });
  return data.token as string;
}

/** A user session (JWT): some meta calls, such as a source's meta sync, refuse API tokens. */
export async function signIn(url: string, email: string, password: string): Promise<string> {
  const { data } = await axios.post(`${url}/api/v1/auth/user/signin`, { email, password });
  return data.token as string;
}
