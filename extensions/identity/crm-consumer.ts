import type { Consumer } from '../../kernel/capability.ts';
import { identityHookPayload } from '../../schemas/events/identity.ts';
import { ensureCrmRecords, type CrmDeps } from './crm.ts';
import { InvalidPayload } from '../../kernel/errors.ts';
import { issuesOf } from '../../kernel/validation.ts';

/**
 * Kratos -> CRM: after a registration or a profile change, the person's CRM contact and
 * people row in NocoDB (crm.ts). The hook body is the identity as Kratos saved it.
 */
export function crmConsumer(deps: CrmDeps): Consumer {
  return {
    name: 'identity-crm',
    callsOut: true,
    topics: ['kratos.registration', 'kratos.settings'],
    async handle(event, { tx, log }) {
      const parsed = identityHookPayload.safeParse(event.payload);
      if (!parsed.success) throw new InvalidPayload(issuesOf(parsed.error), 'Kratos hook payload is not valid');
      const { identity } = parsed.data;
      await ensureCrmRecords(tx, deps, {
        identityId: identity.id, traits: identity.traits, traitsAt: dateOrNull(identity.updated_at),
        source: event.topic === 'kratos.registration' ? 'registration' : 'settings',
      });
    },
  };
}

const dateOrNull = (v: string | undefined) => {
  const d = v ? new Date(v) : null;
  return d && !Number.isNaN(d.getTime()) ? d : null;
};
