import type { Consumer } from '../../kernel/capability.ts';
import { InvalidPayload } from '../../kernel/errors.ts';
import { issuesOf } from '../../kernel/validation.ts';
import { nocodbRowPayload } from '../../schemas/events/identity.ts';
import { refundRow } from '../../schemas/nocodb/billing-refunds.ts';
import { localDay } from './days.ts';
import { handleRefundRow, type StaffRefundDeps } from './staff-refunds.ts';

export const REFUND_TOPICS: readonly string[] = ['nocodb.refunds.insert', 'nocodb.refunds.update'];

/**
 * The Refunds grid's rows (its webhook and the sweep), each asked of its payment's provider
 * once (staff-refunds.ts). It calls the provider and writes the row back while the worker's
 * transaction is open: callsOut.
 */
export function refundsConsumer(deps: StaffRefundDeps & { clock: () => Date; timeZone: string }): Consumer {
  return {
    name: 'billing.refunds',
    topics: REFUND_TOPICS,
    callsOut: true,
    async handle(event, { tx, log }) {
      const payload = nocodbRowPayload.safeParse(event.payload);
      if (!payload.success) throw new InvalidPayload(issuesOf(payload.error), 'NocoDB row event is not valid');
      const row = refundRow.safeParse(payload.data.row);
      if (!row.success) throw new InvalidPayload(issuesOf(row.error), 'Refunds row is not valid');
      const now = deps.clock();
      const createdAt = (payload.data.row as { CreatedAt?: string | null }).CreatedAt ?? null;
      const outcome = await handleRefundRow(tx, deps, { ...row.data, CreatedAt: createdAt }, { today: localDay(now, deps.timeZone), now });
      log[outcome.status === 'refused' || outcome.status === 'failed' ? 'warn' : 'info']({ component: 'billing', refundRow: row.data.Id, ...outcome }, 'staff refund handled');
    },
  };
}
