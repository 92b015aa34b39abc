import type { Consumer } from '../../kernel/capability.ts';
import { InvalidPayload } from '../../kernel/errors.ts';
import { issuesOf } from '../../kernel/validation.ts';
import { monetaNotification } from '../../schemas/events/moneta.ts';
import { applyMonetaPayment } from './checkout.ts';
import { localDay } from './days.ts';

/** Provider notifications, stored by their receivers in hooks/, turned into money and periods. */
export function paymentsConsumer(deps: { clock: () => Date; timeZone: string; monetaTestMode: boolean }): Consumer {
  return {
    name: 'billing.payments',
    topics: ['moneta.payment'],
    async handle(event, { tx, log }) {
      const n = monetaNotification.safeParse(event.payload);
      if (!n.success) throw new InvalidPayload(issuesOf(n.error), 'Moneta notification is not valid');
      const now = deps.clock();
      const outcome = await applyMonetaPayment(tx, n.data, { testMode: deps.monetaTestMode, today: localDay(now, deps.timeZone), now });
      log.info({ component: 'billing', provider: 'moneta', operation: n.data.MNT_OPERATION_ID, outcome: outcome.type }, 'payment booked');
    },
  };
}
