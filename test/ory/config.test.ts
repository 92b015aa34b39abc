import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { expect } from 'chai';
import AjvModule from 'ajv';
import formatsModule from 'ajv-formats';
import { repoRoot, specFile } from './spec-dir.ts';

const Ajv = AjvModule.default;
const addFormats = formatsModule.default;
// js-yaml is present as mocha's dependency; the project declares no YAML parser of its own.
const { load: parseYaml } = createRequire(import.meta.url)('js-yaml') as { load: (text: string) => unknown };

const readJson = (file: string): Record<string, unknown> => JSON.parse(readFileSync(file, 'utf8'));
const readRepo = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');

/** Ajv with Ory's shared schemas registered under their ory:// ids (no network). */
function oryAjv() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  for (const name of ['oryx-tracing-config.schema.json', 'oryx-logging-config.schema.json', 'kratos-identity_extension.schema.json']) {
    ajv.addSchema(readJson(specFile(name)));
  }
  return ajv;
}

function expectValid(schemaFile: string, data: unknown, what: string) {
  const validate = oryAjv().compile(readJson(specFile(schemaFile)));
  const ok = validate(data);
  const errors = (validate.errors ?? []).map((e) => `  ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  expect(ok, `${what} does not validate against ${schemaFile}:\n${errors.join('\n')}`).to.equal(true);
}

describe('Ory configuration files', () => {
  it('kratos.yml validates against Kratos config schema', () => {
    expectValid('kratos-config.schema.json', parseYaml(readRepo('ory/kratos/kratos.yml')), 'ory/kratos/kratos.yml');
  });

  it('kratos.yml calls our web hooks after registration (password, code, oidc) and settings with the API key header', () => {
    const config = parseYaml(readRepo('ory/kratos/kratos.yml')) as any;
    const after = config.selfservice.flows.registration.after;
    for (const method of ['password', 'code', 'oidc']) {
      const hooks = after[method].hooks;
      expect(hooks[0].hook, method).to.equal('web_hook');
      expect(hooks[0].config.url).to.equal('http://service:3000/hooks/kratos/registration');
      expect(hooks[0].config.auth).to.deep.include({ type: 'api_key' });
      expect(hooks[0].config.auth.config).to.include({ name: 'X-Hook-Key', in: 'header' });
      expect(hooks[0].config.response?.parse ?? false, 'hooks run after saving, without response.parse').to.equal(false);
      expect(hooks.at(-1).hook, `${method}: session must be the last hook`).to.equal('session');
    }
    expect(config.selfservice.flows.settings.after.profile.hooks[0].config.url).to.equal('http://service:3000/hooks/kratos/settings');
  });

  it('identity.schema.json is a valid Kratos identity schema', () => {
    expectValid('kratos-identity_meta.schema.json', readJson(path.join(repoRoot, 'ory/kratos/identity.schema.json')), 'ory/kratos/identity.schema.json');
  });

  it('identity.schema.json keeps roles out of traits', () => {
    const schema = readJson(path.join(repoRoot, 'ory/kratos/identity.schema.json')) as any;
    expect(Object.keys(schema.properties.traits.properties)).to.have.members(['email', 'name', 'telegram', 'locale', 'jurisdiction', 'time_zone']);
  });

  it('keto.yml validates against Keto config schema and loads namespaces.keto.ts', () => {
    const config = parseYaml(readRepo('ory/keto/keto.yml')) as any;
    expectValid('keto-config.schema.json', config, 'ory/keto/keto.yml');
    expect(config.namespaces.location).to.equal('file:///etc/config/keto/namespaces.keto.ts');
  });
});
