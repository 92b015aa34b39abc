/**
 * Checks HTTP responses against Ory's published OpenAPI description: finds the operation
 * by path template and method, takes the response schema for the status (or `default`),
 * resolves its $refs inside the spec and validates with ajv. A failure lists every
 * mismatch with the offending value, then the body.
 */
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import AjvModule from 'ajv';
import formatsModule from 'ajv-formats';

const Ajv = AjvModule.default;
const addFormats = formatsModule.default;

type Json = Record<string, any>;

export interface ContractResponse {
  method: string;
  /** Path with query, e.g. `/relation-tuples/check?namespace=...`, or a full URL. */
  url: string;
  status: number;
  body: unknown;
}

export class OpenApiContract {
  private readonly spec: Json;
  private readonly ajv: InstanceType<typeof Ajv>;
  private readonly templates: { template: string; pattern: RegExp; literal: number }[];

  constructor(
    readonly specPath: string,
    private readonly id = specPath.split('/').at(-1)!,
  ) {
    this.spec = openApi30ToJsonSchema(JSON.parse(readFileSync(specPath, 'utf8')));
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    for (const format of collectFormats(this.spec)) {
      if (!this.ajv.formats[format]) this.ajv.addFormat(format, format === 'uuid4' ? /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i : true);
    }
    this.ajv.addSchema(this.spec, this.id);
    this.templates = Object.keys(this.spec.paths)
      .map((template) => ({
        template,
        pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
        literal: template.replace(/\{[^}]+\}/g, '').length,
      }))
      .sort((a, b) => b.literal - a.literal);
  }

  /** The operation for a concrete path; literal paths win over templates. */
  operation(method: string, url: string): { template: string; operation: Json } {
    const pathname = new URL(url, 'http://contract.invalid').pathname;
    const found = this.templates.find((t) => t.pattern.test(pathname) && this.spec.paths[t.template][method.toLowerCase()]);
    if (!found) throw new Error(`${this.id}: no operation ${method.toUpperCase()} ${pathname}`);
    return { template: found.template, operation: this.spec.paths[found.template][method.toLowerCase()] };
  }

  /** Throws a readable error unless the response matches the spec. */
  assert(res: ContractResponse): void {
    const { template, operation } = this.operation(res.method, res.url);
    const where = `${res.method.toUpperCase()} ${template} -> ${res.status} (${operation.operationId}, ${this.id})`;
    const key = operation.responses[String(res.status)] ? String(res.status) : 'default';
    let response = operation.responses[key];
    if (!response) throw new Error(`${where}: the spec lists no response ${res.status} and no default`);
    const pointer = [`#/paths/${escape(template)}/${res.method.toLowerCase()}/responses/${key}`];
    if (response.$ref) {
      pointer[0] = response.$ref;
      response = resolve(this.spec, response.$ref);
    }
    const media = response.content?.['application/json'];
    if (!media?.schema) {
      if (res.body !== undefined && res.body !== '' && res.body !== null) throw new Error(`${where}: the spec describes no body, got ${inspect(res.body, { depth: 4 })}`);
      return;
    }
    const validate = this.ajv.getSchema(`${this.id}${pointer[0]}/content/application~1json/schema`);
    if (!validate) throw new Error(`${where}: cannot compile the response schema`);
    if (validate(res.body)) return;
    const lines = (validate.errors ?? []).map((e) => {
      const value = e.instancePath.split('/').slice(1).reduce<any>((v, k) => v?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], res.body);
      return `  at ${e.instancePath || '(body)'}: ${e.message} ${JSON.stringify(e.params)}; got ${inspect(value, { depth: 2, breakLength: Infinity })}`;
    });
    throw new Error(`${where}: the response does not match the spec\n${lines.join('\n')}\nbody: ${inspect(res.body, { depth: 6 })}`);
  }
}

const escape = (template: string) => template.replace(/~/g, '~0').replace(/\//g, '~1');

function resolve(spec: Json, ref: string): Json {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce((node, token) => node[token.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
}

/** OpenAPI 3.0 `nullable: true` is not JSON Schema: turn it into a type union. */
function openApi30ToJsonSchema<T>(node: T): T {
  if (Array.isArray(node)) return node.map(openApi30ToJsonSchema) as T;
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) out[k] = openApi30ToJsonSchema(v);
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  return out as T;
}

function collectFormats(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => collectFormats(n, found));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'format' && typeof v === 'string') found.add(v);
      else collectFormats(v, found);
    }
  }
  return found;
}
