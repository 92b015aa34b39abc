import { expect } from 'chai';
import { oryContracts } from './standin-harness.ts';

const identity = {
  id: '3b1a8f9e-7c1d-4a0e-9d55-0b6f2a1c4e11',
  schema_id: 'default',
  schema_url: 'http://127.0.0.1:4433/schemas/ZGVmYXVsdA',
  traits: { email: 'a@example.org' },
  state: 'active',
  metadata_admin: null,
};

describe('OpenAPI contract checker', () => {
  const { kratos, keto } = oryContracts();

  it('finds an operation by path template, literal paths first', () => {
    expect(kratos.operation('GET', '/admin/identities/3b1a8f9e').operation.operationId).to.equal('getIdentity');
    expect(keto.operation('GET', '/relation-tuples/check/openapi?namespace=x').operation.operationId).to.equal('checkPermission');
    expect(keto.operation('GET', '/relation-tuples/check').operation.operationId).to.equal('checkPermissionOrError');
    expect(() => kratos.operation('GET', '/no/such/path')).to.throw(/no operation GET \/no\/such\/path/);
  });

  it('accepts a body that matches the response schema', () => {
    kratos.assert({ method: 'GET', url: `/admin/identities/${identity.id}`, status: 200, body: identity });
    keto.assert({ method: 'GET', url: '/relation-tuples/check', status: 403, body: { allowed: false } });
  });

  it('names the path, the operation and the offending value when a body breaks the schema', () => {
    const { schema_url: _dropped, ...broken } = identity;
    expect(() => kratos.assert({ method: 'GET', url: `/admin/identities/${identity.id}`, status: 200, body: { ...broken, state: 'deleted' } }))
      .to.throw(/GET \/admin\/identities\/\{id\} -> 200 \(getIdentity/)
      .with.property('message')
      .that.matches(/schema_url/)
      .and.matches(/at \/state: must be equal to one of the allowed values/);
  });

  it('checks error bodies against genericError (default response)', () => {
    expect(() => keto.assert({ method: 'PUT', url: '/admin/relation-tuples', status: 500, body: { error: { code: 500 } } })).to.throw(/message/);
    keto.assert({ method: 'PUT', url: '/admin/relation-tuples', status: 500, body: { error: { code: 500, message: 'boom' } } });
  });

  it('checks UI nodes of self-service flows through their oneOf attributes', () => {
    const flow = (attributes: object) => ({
      id: '3b1a8f9e-7c1d-4a0e-9d55-0b6f2a1c4e11',
      type: 'api',
      expires_at: '2030-01-01T00:00:00Z',
      issued_at: '2030-01-01T00:00:00Z',
      request_url: 'http://x/self-service/registration/api',
      state: 'choose_method',
      ui: { action: 'http://x', method: 'POST', nodes: [{ type: 'input', group: 'default', attributes, messages: [], meta: {} }] },
    });
    kratos.assert({ method: 'GET', url: '/self-service/registration/api', status: 200, body: flow({ name: 'a', type: 'text', disabled: false, node_type: 'input' }) });
    expect(() => kratos.assert({ method: 'GET', url: '/self-service/registration/api', status: 200, body: flow({ name: 'a', node_type: 'input' }) })).to.throw(/oneOf/);
  });

  it('refuses a body where the spec describes none (204)', () => {
    keto.assert({ method: 'DELETE', url: '/admin/relation-tuples', status: 204, body: undefined });
    expect(() => keto.assert({ method: 'DELETE', url: '/admin/relation-tuples', status: 204, body: { deleted: 1 } })).to.throw(/describes no body/);
  });
});
