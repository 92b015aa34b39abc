import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import yaml from 'js-yaml';
import { CONFIG_KEYS, loadConfig } from '../../service/config.ts';

const root = path.resolve(import.meta.dirname, '../..');
interface Service { environment?: Record<string, string>; volumes?: string[] }
const compose = yaml.load(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };

describe('docker-compose.yml for production', () => {
  it('runs PostgreSQL, Redis, NocoDB, Kratos, Keto and the service', () => {
    expect(compose.services).to.include.keys('postgres', 'redis', 'nocodb', 'kratos', 'keto', 'service');
  });

  it('mounts only configuration files that exist in ory/ and nocodb/', () => {
    const mounts = Object.values(compose.services).flatMap((s) => s.volumes ?? []).map((v) => v.split(':')[0]!).filter((v) => v.startsWith('./'));
    expect(mounts).to.not.be.empty;
    for (const m of mounts) expect(existsSync(path.join(root, m)), m).to.equal(true);
  });

  it('gives the service only settings its configuration knows, and they validate', () => {
    const env = compose.services.service!.environment!;
    const sample = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.includes('${') ? sampleFor(k, v) : v]));
    expect(() => loadConfig(sample)).to.not.throw();
    for (const key of Object.keys(env)) expect(CONFIG_KEYS, `service setting ${key}`).to.include(key);
  });
});

/** A value as an operator would give it: the compose file's own default, or a plausible one. */
function sampleFor(key: string, value: string): string {
  const fallback = /\$\{[A-Z_]+:-([^}]+)\}/.exec(value)?.[1];
  if (fallback) return fallback;
  if (key.endsWith('_URL')) return 'http://example.test';
  return 'a-long-enough-secret-value';
}
