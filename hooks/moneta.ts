import express, { type Request, type Router } from 'express';
import type { Inbox } from '../kernel/inbox.ts';
import { monetaNotification, notificationSignature } from '../schemas/events/moneta.ts';
import { badRequest, notFound, unauthorized } from '../kernel/errors.ts';
import { parseOr400 } from './respond.ts';
import { safeEqual } from './signature.ts';

/**
 * Moneta's Pay URL (MONETA.Assistant), GET or POST as the shop's settings say: the fields
 * are checked with zod and MNT_SIGNATURE (an MD5 over them and the integrity code,
 * schemas/events/moneta.ts), then stored as `moneta.payment`, keyed by MNT_OPERATION_ID.
 * Moneta reads the answer's text: SUCCESS once stored (a repeat too); anything else (our
 * JSON error with a 4xx and its reason, a 503 when the inbox cannot take it now) is not
 * SUCCESS, and Moneta sends it again.
 */
export interface MonetaHookConfig { accountId: string; integrityCode: string }

export function monetaReceiver(deps: { inbox: Inbox; account: () => MonetaHookConfig | null }): Router {
  const router = express.Router();
  const handle = async (req: Request, res: express.Response) => {
    const account = deps.account();
    if (!account) throw notFound('HOOK_UNKNOWN', 'Moneta is not configured here (MONETA_ACCOUNT_ID, MONETA_INTEGRITY_CODE)');
    const fields = req.method === 'GET' ? req.query : { ...req.query, ...(typeof req.body === 'object' ? req.body : {}) };
    const n = parseOr400(monetaNotification, fields, 'Moneta notification');
    if (n.MNT_ID !== account.accountId) throw badRequest('PAYLOAD_INVALID', 'MNT_ID is not this shop');
    if (!safeEqual(n.MNT_SIGNATURE.toLowerCase(), notificationSignature(n, account.integrityCode))) {
      throw unauthorized('WEBHOOK_SIGNATURE_INVALID', 'MNT_SIGNATURE does not match the fields and the integrity code');
    }
    await deps.inbox.accept([{ source: 'moneta', deliveryId: n.MNT_OPERATION_ID, topic: 'moneta.payment', payload: n }]);
    res.status(200).type('text/plain').send('SUCCESS');
  };
  router.get('/', handle);
  router.post('/', express.urlencoded({ extended: false, limit: '16kb' }), handle);
  return router;
}
