/**
 * schemas/events/kratos.ts declares the traits we read once, in zod; Kratos validates them
 * with ory/kratos/identity.schema.json. The two must say the same: the same trait fields,
 * the same required ones, the same types and limits, no extra properties on either side.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { z } from 'zod';
import { kratosTraits, kratosWebhook } from '../../schemas/events/kratos.ts';
import { repoRoot } from './spec-dir.ts';

type Node = Record<string, unknown>;

/** The keywords both sides can state; titles, formats and Kratos' extension are the JSON schema's alone. */
const COMPARED = ['type', 'enum', 'minLength', 'maxLength', 'minimum', 'additionalProperties'] as const;

/** Every (nested) property as `traits.a.b` -> its compared keywords, required-ness and pattern. */
function flatten(node: Node, at: string, required: boolean, out: Record<string, Node> = {}): Record<string, Node> {
  const kept: Node = { required };
  for (const k of COMPARED) if (node[k] !== undefined) kept[k] = node[k];
  // zod states the safe-integer bound of z.number().int(); the JSON schema leaves it open.
  if (node.maximum !== undefined && node.maximum !== Number.MAX_SAFE_INTEGER) kept.maximum = node.maximum;
  if (typeof node.pattern === 'string') kept.pattern = new RegExp(node.pattern).source;
  out[at] = kept;
  const props = (node.properties ?? {}) as Record<string, Node>;
  const req = new Set((node.required ?? []) as string[]);
  for (const [name, child] of Object.entries(props)) flatten(child, `${at}.${name}`, req.has(name), out);
  return out;
}

describe('identity traits: schemas/events/kratos.ts and identity.schema.json', () => {
  const json = JSON.parse(readFileSync(path.join(repoRoot, 'ory/kratos/identity.schema.json'), 'utf8')) as { properties: { traits: Node } };
  const fromJson = flatten(json.properties.traits, 'traits', true);
  const fromZod = flatten(z.toJSONSchema(kratosTraits, { io: 'input' }) as Node, 'traits', true);

  it('declare the same trait fields, nested ones included', () => {
    expect(Object.keys(fromZod).sort(), 'trait paths of zod (left) and of the JSON schema (right)').to.deep.equal(Object.keys(fromJson).sort());
  });

  it('require the same traits and state the same types, enums, limits, patterns and closedness', () => {
    for (const [at, node] of Object.entries(fromJson)) expect(fromZod[at], at).to.deep.equal(node);
  });

  it('read a hook body of Kratos without a transient payload, and drop malformed hints rather than the body', () => {
    const identity = { id: '2f0d7c2e-9d0b-4c36-9d7e-6c1f3b7a9e10', traits: { email: 'ann@school.test', time_zone: 'Europe/Moscow' } };
    expect(kratosWebhook.parse({ identity, flow_id: 'f' }).transient_payload).to.equal(undefined);
    const parsed = kratosWebhook.parse({ identity, flow_id: 'f', transient_payload: { referral_code: 42, discourse_username: ' Ann ', other: 'x' } });
    expect(parsed.transient_payload).to.deep.equal({ referral_code: undefined, discourse_username: 'Ann' });
  });

  it('refuse a trait the JSON schema does not have, as Kratos would', () => {
    const identity = { id: '2f0d7c2e-9d0b-4c36-9d7e-6c1f3b7a9e10', traits: { email: 'ann@school.test', referral_code: 'AMB1' } };
    expect(kratosWebhook.safeParse({ identity }).success).to.equal(false);
  });
});
