import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import yaml from 'js-yaml';
import pg from 'pg';
import { CONFIG_KEYS, loadConfig } from '../../service/config.ts';
import { ensureDatabase, startEmbeddedPostgres } from '../../service/stack/postgres.ts';
import { testLog } from '../support/stack.ts';

/**
 * docker-compose.yml checked without Docker: the file is read as compose reads it, with
 * compose's own interpolation of ${...} from .env (docs.docker.com/reference/compose-file/interpolation),
 * and nocodb/init-databases.sh is run against a real PostgreSQL.
 */
const root = path.resolve(import.meta.dirname, '../..');
type Env = Record<string, string | undefined>;
interface Service {
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  networks?: string[] | Record<string, unknown>;
}
interface Compose { services: Record<string, Service>; networks?: Record<string, { internal?: boolean } | null> }

const composeText = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
const raw = yaml.load(composeText) as Compose;
const example = readEnvFile(readFileSync(path.join(root, '.env.example'), 'utf8'));
const initScript = readFileSync(path.join(root, 'nocodb/init-databases.sh'), 'utf8');

/** A value as an operator would give it; each secret its own, so a URL shows whose it carries. */
const PLAUSIBLE: Record<string, string> = {
  PUBLIC_URL: 'https://school.example.org',
  NOCODB_LANGUAGE: 'en',
  NOCODB_ADMIN_EMAIL: 'admin@school.example.org',
  KRATOS_CIPHER_SECRET: '0123456789abcdef0123456789abcdef',
  KRATOS_PUBLIC_URL: 'https://auth.school.example.org/',
  SMTP_URI: 'smtps://mailer:s3cret@mail.school.example.org:465',
  GOOGLE_OIDC_CLIENT_ID: '123456789-abc.apps.googleusercontent.com',
  TELEGRAM_BOT_TOKEN: '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw',
  SCHOOL_TIME_ZONE: 'Asia/Yekaterinburg',
  POSTHOG_KEY: 'phc_example',
  OPENROUTER_API_KEY: 'sk-or-v1-example',
  MCP_AUTHORIZATION_SERVERS: 'https://auth.school.example.org/oauth2',
  YOOKASSA_SHOP_ID: '123456',
  YOOKASSA_API_URL: 'https://api.yookassa.ru/v3',
  YOOKASSA_ALLOWED_NETWORKS: '185.71.76.0/27,77.75.156.11,2a02:5180::/32',
  TRUSTED_PROXIES: '10.0.0.0/8',
};
const plausible = (key: string) => PLAUSIBLE[key] ?? createHash('sha256').update(key).digest('hex').slice(0, 48);
const filled: Env = Object.fromEntries([...example.keys()].map((k) => [k, plausible(k)]));

const referenced = new Set(collectStrings(raw).flatMap((s) => references(parseTemplate(s))));
const required = new Map(collectStrings(raw).flatMap((s) => requiredIn(parseTemplate(s))));
// Errors aside here: the first test names them.
const compose = interpolate(raw, filled).value as Compose;
const services = compose.services;

describe('docker-compose.yml for production', () => {
  it('runs PostgreSQL, Redis, NocoDB, Kratos, Keto and the service', () => {
    expect(raw.services).to.include.keys('postgres', 'redis', 'nocodb', 'kratos', 'keto', 'service');
  });

  it('mounts only configuration files that exist in ory/ and nocodb/', () => {
    const mounts = Object.values(raw.services).flatMap((s) => s.volumes ?? []).map((v) => v.split(':')[0]!).filter((v) => v.startsWith('./'));
    expect(mounts).to.not.be.empty;
    for (const m of mounts) expect(existsSync(path.join(root, m)), m).to.equal(true);
  });

  describe('its variables, as compose interpolates them from .env', () => {
    it('interpolates with every variable of .env.example filled in, and the service\'s settings load', () => {
      const { errors, unset } = interpolate(raw, filled);
      expect(errors, 'interpolation errors').to.deep.equal([]);
      expect(unset, 'variables compose would warn about and leave empty').to.deep.equal([]);
      const config = loadConfig(services.service!.environment!);
      expect(config.PUBLIC_URL).to.equal(PLAUSIBLE.PUBLIC_URL);
      expect(config.SCHOOL_TIME_ZONE).to.equal(PLAUSIBLE.SCHOOL_TIME_ZONE);
    });

    it('starts with the required variables alone: the optional ones, empty or left out, still load', () => {
      const only = Object.fromEntries([...required.keys()].map((k) => [k, plausible(k)]));
      for (const env of [only, { ...Object.fromEntries([...example.keys()].map((k) => [k, ''])), ...only }]) {
        const { value, errors } = interpolate(raw, env);
        expect(errors).to.deep.equal([]);
        const config = loadConfig((value as Compose).services.service!.environment!);
        expect(config.SCHOOL_TIME_ZONE, 'the compose default').to.equal('Europe/Moscow');
        expect(config.TELEGRAM_BOT_TOKEN || undefined, 'no bot').to.equal(undefined);
      }
    });

    it('refuses a required variable given empty, with its message (compose takes \'\' as unset there)', () => {
      expect(required.size).to.be.greaterThan(0);
      for (const [name, message] of required) {
        expect(message, `${name}'s message`).to.not.equal('');
        const { errors } = interpolate(raw, { ...filled, [name]: '' });
        expect(errors, name).to.include(`required variable ${name} is missing a value: ${message}`);
      }
    });

    it('refuses .env.example as shipped (all empty), naming every required variable', () => {
      const { errors } = interpolate(raw, Object.fromEntries(example));
      // A YAML alias (&kratos-env) repeats its variables: each is named once here.
      const named = [...new Set(errors.map((e) => /^required variable (\w+)/.exec(e)?.[1]))];
      expect(named).to.have.members([...required.keys()]);
      expect([...required.keys()]).to.include.members([
        'PUBLIC_URL', 'POSTGRES_PASSWORD', 'POSTGRES_SERVICE_PASSWORD', 'POSTGRES_READER_PASSWORD',
        'POSTGRES_NOCODB_PASSWORD', 'POSTGRES_KRATOS_PASSWORD', 'POSTGRES_KETO_PASSWORD', 'KRATOS_SECRET', 'KRATOS_CIPHER_SECRET',
      ]);
      expect(required.get('PUBLIC_URL')).to.equal('set PUBLIC_URL (https address of the service, NocoDB\'s webhooks are sent there)');
    });

    it('reads only variables .env.example lists, and .env.example lists only those, empty and each with a comment', () => {
      expect([...referenced].sort(), 'read by docker-compose.yml').to.deep.equal([...example.keys()].sort());
      const lines = readFileSync(path.join(root, '.env.example'), 'utf8').split('\n');
      lines.forEach((line, i) => {
        const key = /^([A-Z_][A-Z0-9_]*)=/.exec(line)?.[1];
        if (!key) return;
        expect(example.get(key), `${key} is empty in .env.example`).to.equal('');
        expect(lines[i - 1], `a comment above ${key}`).to.match(/^#/);
      });
    });

    it('gives the service only settings its configuration knows', () => {
      for (const key of Object.keys(raw.services.service!.environment!)) expect(CONFIG_KEYS, `service setting ${key}`).to.include(key);
    });

    it('reads the interpolation rules as compose does', () => {
      const run = (s: string, env: Env) => {
        const out = { errors: [] as string[], unset: [] as string[] };
        return { value: evaluate(parseTemplate(s), env, out), ...out };
      };
      expect(run('${A:-d}/${A-d}', {}).value).to.equal('d/d');
      expect(run('${A:-d}/${A-d}', { A: '' }).value).to.equal('d/');
      expect(run('${A:?no A}', { A: '' }).errors).to.deep.equal(['required variable A is missing a value: no A']);
      expect(run('${A?no A}', { A: '' }).errors).to.deep.equal([]);
      expect(run('${A?no A}', {}).errors).to.have.length(1);
      expect(run('${A:+x}|${A+x}', { A: '' }).value).to.equal('|x');
      expect(run('$$A $${A} $A ${B:-${C:-c}} $1 $', { A: 'a' }).value).to.equal('$A ${A} a c $1 $');
      expect(run('${A}', {}).unset).to.deep.equal(['A']);
      expect(() => parseTemplate('${A/x/y}')).to.throw(/invalid interpolation/);
    });
  });

  describe('its networks and ports', () => {
    const on = (name: string) => networksOf(services[name]!);

    it('keeps NocoDB off every network of Kratos and Keto: a container\'s ports are open on all of its networks', () => {
      for (const ory of ['kratos', 'keto']) {
        expect(on('nocodb').filter((n) => on(ory).includes(n)), `networks NocoDB shares with ${ory}`).to.deep.equal([]);
      }
    });

    it('publishes Kratos\' public port, NocoDB\'s and the service\'s, and no Ory admin port', () => {
      const published = Object.entries(services).flatMap(([name, s]) => (s.ports ?? []).map((p) => `${name}:${containerPort(p)}`));
      expect(published.sort()).to.deep.equal(['kratos:4433', 'nocodb:8080', 'service:3000']);
      for (const p of published) expect(p).to.not.match(/:(4434|4466|4467)$/);
    });

    it('closes the networks that need no way out, and keeps the databases, Redis and Keto on those alone', () => {
      const networks = compose.networks ?? {};
      for (const name of ['postgres', 'redis', 'keto', 'kratos-migrate', 'keto-migrate']) {
        for (const n of on(name)) expect(networks[n]?.internal, `${name}'s network ${n} is internal`).to.equal(true);
      }
      for (const name of ['nocodb', 'kratos', 'service']) {
        expect(on(name).some((n) => !networks[n]?.internal), `${name} has a way out (published port, hooks, mail)`).to.equal(true);
      }
      for (const s of Object.values(services)) for (const n of networksOf(s)) if (n !== 'default') expect(networks, n).to.have.property(n);
    });

    it('lets each container reach every other container its settings name', () => {
      const edges = Object.entries(services).flatMap(([from, s]) =>
        Object.values(s.environment ?? {}).flatMap((v) => hostsIn(String(v)).filter((h) => h in services).map((to) => [from, to] as const)));
      // Kratos' web hooks (ory/kratos/kratos.yml)
      if (readFileSync(path.join(root, 'ory/kratos/kratos.yml'), 'utf8').includes('http://service:3000/')) edges.push(['kratos', 'service']);
      expect(edges.length).to.be.greaterThan(8);
      for (const [from, to] of edges) {
        expect(on(from).filter((n) => on(to).includes(n)), `a network of ${from} and ${to}`).to.not.be.empty;
      }
    });
  });

  describe('NocoDB', () => {
    it('does not allow local webhooks: they go to the service\'s public URL', () => {
      expect(services.nocodb!.environment!.NC_ALLOW_LOCAL_HOOKS ?? 'false').to.equal('false');
      expect(raw.services.service!.environment!.PUBLIC_URL).to.match(/^\$\{PUBLIC_URL:\?/);
    });
  });

  describe('PostgreSQL roles', () => {
    const dsn = (service: string, key: string) => new URL(services[service]!.environment![key]!);

    it('signs every component in as its own role, with its own password, never as the superuser', () => {
      const expected: [string, string, string, string, string][] = [
        ['service', 'DATABASE_URL', 'school_service', 'school', 'POSTGRES_SERVICE_PASSWORD'],
        ['service', 'NOCODB_SOURCE_DATABASE_URL', 'school_reader', 'school', 'POSTGRES_READER_PASSWORD'],
        ['kratos-migrate', 'DSN', 'school_kratos', 'kratos', 'POSTGRES_KRATOS_PASSWORD'],
        ['kratos', 'DSN', 'school_kratos', 'kratos', 'POSTGRES_KRATOS_PASSWORD'],
        ['keto-migrate', 'DSN', 'school_keto', 'keto', 'POSTGRES_KETO_PASSWORD'],
        ['keto', 'DSN', 'school_keto', 'keto', 'POSTGRES_KETO_PASSWORD'],
      ];
      for (const [service, key, user, database, password] of expected) {
        const u = dsn(service, key);
        expect([u.hostname, u.username, u.pathname, u.password], `${service} ${key}`).to.deep.equal(['postgres', user, `/${database}`, filled[password]]);
      }
      const nc = dsn('nocodb', 'NC_DB');
      expect([nc.protocol, nc.host, nc.searchParams.get('u'), nc.searchParams.get('d'), nc.searchParams.get('p')], 'NocoDB NC_DB')
        .to.deep.equal(['pg:', 'postgres:5432', 'school_nocodb', 'nocodb', filled.POSTGRES_NOCODB_PASSWORD]);

      const superuser = services.postgres!.environment!.POSTGRES_USER;
      expect(superuser).to.equal('school');
      const all = Object.entries(services).flatMap(([name, s]) => Object.entries(s.environment ?? {}).map(([k, v]) => [`${name} ${k}`, String(v)] as const));
      for (const [where, v] of all) {
        expect(v.includes(filled.POSTGRES_PASSWORD!) && where !== 'postgres POSTGRES_PASSWORD', `${where} carries the superuser's password`).to.equal(false);
        for (const h of hostsIn(v)) if (h === 'postgres') expect(/\/\/school[:@]|[?&]u=school(&|$)/.test(v), `${where} signs in as the superuser`).to.equal(false);
      }
    });

    it('has the init script create each role from the password compose gives PostgreSQL, stopping at the first error', () => {
      const mount = raw.services.postgres!.volumes!.find((v) => v.includes('/docker-entrypoint-initdb.d/'));
      expect(mount).to.match(/^\.\/nocodb\/init-databases\.sh:\/docker-entrypoint-initdb\.d\/[\w-]+\.sh:ro$/);
      expect(() => accessSync(path.join(root, 'nocodb/init-databases.sh'), constants.X_OK), 'executable (else the entrypoint sources it)').to.not.throw();
      expect(statSync(path.join(root, 'nocodb/init-databases.sh')).isFile()).to.equal(true);
      expect(initScript).to.match(/psql -v ON_ERROR_STOP=1/).and.to.match(/^set -euo pipefail$/m);
      const env = services.postgres!.environment!;
      for (const [role, variable, database] of ROLES) {
        expect(initScript, role).to.include(`create role ${role} login`).and.to.include(variable);
        expect(env[variable], `postgres gets ${variable}`).to.equal(filled[variable]);
        if (database) expect(initScript).to.match(new RegExp(`grant connect on database ${database} to ${role}\\b`));
      }
    });

    it('leaves each role its own database and nothing else, run on a real PostgreSQL', async function () {
      this.timeout(120_000);
      if (!(await commandExists('psql'))) this.skip(); // Debian's postgresql-client
      await withFreshPostgres(async ({ url, port, dataDir }) => {
        await ensureDatabase(url, 'school'); // the entrypoint's POSTGRES_DB
        const admin = new pg.Client({ connectionString: url });
        await admin.connect();
        try {
          await promisify(execFile)('bash', [path.join(root, 'nocodb/init-databases.sh')], {
            env: {
              PATH: process.env.PATH, PGHOST: '127.0.0.1', PGPORT: String(port), PGPASSWORD: 'postgres',
              POSTGRES_USER: 'postgres', POSTGRES_DB: 'school', PGDATA: dataDir,
              ...Object.fromEntries(ROLES.map(([, v]) => [v, filled[v]])),
            },
          });
          await admin.query('select pg_reload_conf()');
          const owners = await admin.query<{ datname: string; owner: string }>(
            "select datname, pg_get_userbyid(datdba) as owner from pg_database where datname in ('school', 'nocodb', 'kratos', 'keto') order by datname");
          expect(owners.rows).to.deep.equal([
            { datname: 'keto', owner: 'school_keto' }, { datname: 'kratos', owner: 'school_kratos' },
            { datname: 'nocodb', owner: 'school_nocodb' }, { datname: 'school', owner: 'school_service' },
          ]);
        } finally {
          await admin.end();
        }
        const signIn = (role: string, variable: string, database: string) =>
          connectError(`postgres://${role}:${filled[variable]}@127.0.0.1:${port}/${database}`);
        for (const [role, variable, own] of ROLES) {
          for (const database of ['school', 'nocodb', 'kratos', 'keto']) {
            const allowed = database === (own ?? 'school');
            expect(await signIn(role, variable, database), `${role} on ${database}`).to.equal(allowed ? null : '42501');
          }
        }
        expect(await canCreateTable(`postgres://school_kratos:${filled.POSTGRES_KRATOS_PASSWORD}@127.0.0.1:${port}/kratos`), 'an owner migrates its own').to.equal(true);
        expect(await canCreateTable(`postgres://school_reader:${filled.POSTGRES_READER_PASSWORD}@127.0.0.1:${port}/school`), 'the reader creates nothing').to.equal(false);
        // pg_reload_conf() only signals the server: it reads pg_hba.conf a moment later.
        let superuser = await connectError(url);
        for (let i = 0; superuser === null && i < 50; i++) superuser = await new Promise((r) => setTimeout(r, 100)).then(() => connectError(url));
        expect(superuser, 'the superuser over the network: pg_hba.conf rejects it').to.equal('28000');
      });
    });
  });
});

/** Role, its password's variable, its own database (the reader has none: it only reads school). */
const ROLES: [string, string, string | undefined][] = [
  ['school_service', 'POSTGRES_SERVICE_PASSWORD', 'school'],
  ['school_reader', 'POSTGRES_READER_PASSWORD', undefined],
  ['school_nocodb', 'POSTGRES_NOCODB_PASSWORD', 'nocodb'],
  ['school_kratos', 'POSTGRES_KRATOS_PASSWORD', 'kratos'],
  ['school_keto', 'POSTGRES_KETO_PASSWORD', 'keto'],
];

// ---- compose's interpolation --------------------------------------------------------------

type Op = '' | ':-' | '-' | ':?' | '?' | ':+' | '+';
type Part = string | { name: string; op: Op; arg: Part[] };
interface Outcome { errors: string[]; unset: string[] }

/** `$NAME`, `${NAME}`, `${NAME<op>arg}` (arg may nest), `$$` a literal `$`; any other `$` stays. */
function parseTemplate(s: string): Part[] {
  const parts: Part[] = [];
  let text = '';
  const flush = () => {
    if (text) parts.push(text);
    text = '';
  };
  for (let i = 0; i < s.length;) {
    if (s[i] !== '$') {
      text += s[i++];
    } else if (s[i + 1] === '$') {
      text += '$';
      i += 2;
    } else if (s[i + 1] === '{') {
      const end = closingBrace(s, i + 2);
      const inner = s.slice(i + 2, end);
      const m = /^([_a-zA-Z][_a-zA-Z0-9]*)(?:(:?[-?+])([\s\S]*))?$/.exec(inner);
      if (!m) throw new Error(`invalid interpolation format for "${s}": "\${${inner}}"`);
      flush();
      parts.push({ name: m[1]!, op: (m[2] ?? '') as Op, arg: m[2] ? parseTemplate(m[3] ?? '') : [] });
      i = end + 1;
    } else {
      const name = /^[_a-zA-Z][_a-zA-Z0-9]*/.exec(s.slice(i + 1))?.[0];
      if (name) {
        flush();
        parts.push({ name, op: '', arg: [] });
        i += 1 + name.length;
      } else {
        text += s[i++];
      }
    }
  }
  flush();
  return parts;
}

function closingBrace(s: string, from: number): number {
  let depth = 1;
  for (let i = from; i < s.length; i++) {
    if (s[i] === '$' && (s[i + 1] === '$' || s[i + 1] === '{')) {
      if (s[i + 1] === '{') depth++;
      i++;
    } else if (s[i] === '}' && --depth === 0) {
      return i;
    }
  }
  throw new Error(`unterminated \${ in "${s}"`);
}

function evaluate(parts: Part[], env: Env, out: Outcome): string {
  return parts.map((p) => {
    if (typeof p === 'string') return p;
    const value = env[p.name];
    const set = value !== undefined;
    const full = set && value !== '';
    const arg = () => evaluate(p.arg, env, out);
    switch (p.op) {
      case '':
        if (!set) out.unset.push(p.name);
        return value ?? '';
      case ':-': return full ? value : arg();
      case '-': return set ? value : arg();
      case ':+': return full ? arg() : '';
      case '+': return set ? arg() : '';
      case ':?':
      case '?':
        if (!(p.op === ':?' ? full : set)) out.errors.push(`required variable ${p.name} is missing a value: ${arg()}`);
        return value ?? '';
    }
  }).join('');
}

function references(parts: Part[]): string[] {
  return parts.flatMap((p) => (typeof p === 'string' ? [] : [p.name, ...references(p.arg)]));
}

function requiredIn(parts: Part[]): [string, string][] {
  return parts.flatMap((p) => {
    if (typeof p === 'string') return [];
    const own: [string, string][] = p.op === ':?' || p.op === '?' ? [[p.name, evaluate(p.arg, {}, { errors: [], unset: [] })]] : [];
    return [...own, ...requiredIn(p.arg)];
  });
}

/** Every string of the file interpolated, as compose does before it reads anything. */
function interpolate(node: unknown, env: Env, out: Outcome = { errors: [], unset: [] }): Outcome & { value: unknown } {
  const walk = (n: unknown): unknown => {
    if (typeof n === 'string') return evaluate(parseTemplate(n), env, out);
    if (Array.isArray(n)) return n.map(walk);
    if (n && typeof n === 'object') return Object.fromEntries(Object.entries(n).map(([k, v]) => [k, walk(v)]));
    return n;
  };
  return { value: walk(node), ...out };
}

function collectStrings(n: unknown): string[] {
  if (typeof n === 'string') return [n];
  if (Array.isArray(n)) return n.flatMap(collectStrings);
  if (n && typeof n === 'object') return Object.values(n).flatMap(collectStrings);
  return [];
}

/** KEY=value lines of an env file, comments and blank lines aside (values quoted or not). */
function readEnvFile(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    const v = m[2]!;
    const quoted = /^(["'])(.*)\1/.exec(v);
    vars.set(m[1]!, quoted ? quoted[2]! : v.replace(/\s+#.*$/, '').trim());
  }
  return vars;
}

// ---- networks, hosts, PostgreSQL ----------------------------------------------------------

function networksOf(s: Service): string[] {
  if (!s.networks) return ['default'];
  return Array.isArray(s.networks) ? s.networks : Object.keys(s.networks);
}

/** "4433:4433", "127.0.0.1:4433:4433/tcp" or "4433": the container's port. */
function containerPort(p: string): string {
  return String(p).split('/')[0]!.split(':').at(-1)!;
}

function hostsIn(value: string): string[] {
  return [...value.matchAll(/[a-z][a-z0-9+.-]*:\/\/(?:[^@/?\s]*@)?([a-z0-9_.-]+)(?::\d+)?/gi)].map((m) => m[1]!);
}

async function commandExists(name: string): Promise<boolean> {
  return promisify(execFile)('sh', ['-c', `command -v ${name}`]).then(() => true, () => false);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function withFreshPostgres(run: (pg: { url: string; port: number; dataDir: string }) => Promise<void>): Promise<void> {
  const dir = path.join(root, '.data/test', `compose-init-${process.pid}`, 'pg');
  const port = await freePort();
  const handle = await startEmbeddedPostgres({ dir, port, log: testLog });
  try {
    await run({ url: handle.url, port, dataDir: handle.dataDir! });
  } finally {
    await handle.stop();
    await rm(path.dirname(dir), { recursive: true, force: true });
    if (handle.dataDir && !handle.dataDir.startsWith(path.dirname(dir))) await rm(path.dirname(handle.dataDir), { recursive: true, force: true });
  }
}

/** null when `url` signs in, else PostgreSQL's error code (42501: no CONNECT; 28000: pg_hba). */
async function connectError(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  } finally {
    await client.end().catch(() => {});
  }
}

async function canCreateTable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('create table compose_probe (x int)');
    return true;
  } catch {
    return false;
  } finally {
    await client.end();
  }
}
