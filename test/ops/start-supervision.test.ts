/**
 * `npm start` when the service process dies: it says so in one line and leaves nothing it
 * started running (no orphaned redis-server, postgres or NocoDB). The whole stack is started
 * for real through scripts/run.mjs, as a person's `npm start` does, on ports of its own.
 */
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { repoRoot } from '../ory/spec-dir.ts';
import { reachableDataDir } from '../../service/stack/postgres.ts';

const base = 31000 + (process.pid % 500) * 8;
const ports = { PORT: base, PG_PORT: base + 1, REDIS_PORT: base + 2, NOCODB_PORT: base + 3, ORY_STANDIN_PORT: base + 4 };

const listening = (port: number) => new Promise<boolean>((resolve) => {
  const socket = net.connect(port, '127.0.0.1');
  socket.once('connect', () => { socket.destroy(); resolve(true); });
  socket.once('error', () => resolve(false));
});
const groupAlive = (pgid: number) => { try { process.kill(-pgid, 0); return true; } catch { return false; } };

describe('npm start when the service dies', function () {
  this.timeout(240_000);
  const dataDir = path.join(repoRoot, '.data/test', `start-${process.pid}`);
  after(async () => {
    const postgres = reachableDataDir(path.join(dataDir, 'postgres')).dir;
    if (!postgres.startsWith(dataDir)) await rm(path.dirname(postgres), { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  it('says so in one line and stops PostgreSQL, Redis and NocoDB with it', async () => {
    const env = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', NOCODB_SWEEP_SECONDS: '3600', ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) };
    const runner = spawn(process.execPath, [path.join(repoRoot, 'scripts/run.mjs'), 'start'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    runner.stdout.on('data', (d) => { output += d; });
    runner.stderr.on('data', (d) => { output += d; });
    const exited = new Promise<number | null>((resolve) => runner.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 200_000;
      for (;;) {
        const up = await fetch(`http://127.0.0.1:${ports.PORT}/health`).then((r) => r.status === 200, () => false);
        if (up) break;
        if (runner.exitCode !== null || Date.now() > deadline) throw new Error(`the stack did not come up:\n${output.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(await listening(ports.REDIS_PORT), 'redis-server runs').to.equal(true);
      expect(await listening(ports.PG_PORT), 'postgres runs').to.equal(true);
      // The service process leads the group run.mjs made for it; kill it the hard way.
      const pgid = (await import('node:child_process')).execFileSync('ps', ['-o', 'pid=', '--ppid', String(runner.pid)], { encoding: 'utf8' })
        .split('\n').map((s) => Number(s.trim())).find((n) => n > 0)!;
      expect(pgid, 'the service process').to.be.a('number');
      process.kill(pgid, 'SIGKILL');
      const code = await exited;
      expect(code, 'npm start exits with an error').to.not.equal(0);
      const lines = output.split('\n').filter((l) => /the service was killed by SIGKILL/.test(l));
      expect(lines, 'one line says the service died').to.have.length(1);
      expect(groupAlive(pgid), 'nothing of the service\'s process group is left').to.equal(false);
      expect(await listening(ports.REDIS_PORT), 'redis-server is stopped').to.equal(false);
      expect(await listening(ports.PG_PORT), 'postgres is stopped').to.equal(false);
      expect(await listening(ports.NOCODB_PORT), 'NocoDB is stopped').to.equal(false);
    } finally {
      if (runner.exitCode === null) runner.kill('SIGTERM');
      await exited;
    }
  });
});
