import express, { type Request, type Router } from 'express';
import type { Inbox } from '../kernel/inbox.ts';
import { monetaNotification, notificationSignature } from '../schemas/events/moneta.ts';
import { issuesOf } from '../kernel/validation.ts';
import { safeEqual } from './signature.ts';

/**
 * Moneta's Pay URL (MONETA.Assistant), GET or POST as the shop's settings say: the fields
 * are checked with zod and MNT_SIGNATURE (an MD5 over them and the integrity code,
 * schemas/events/moneta.ts), then stored as `moneta.payment`, keyed by MNT_OPERATION_ID.
 * Moneta reads the answer's text: SUCCESS once stored (a repeat too), FAIL with a 4xx for
 * what we refuse, and a 503 when the inbox cannot take it now (it sends it again).
 */
export interface MonetaHookConfig { accountId: string; integrityCode: string }

export function monetaReceiver(deps: { inbox: Inbox; account: () => MonetaHookConfig | null }): Router {
  const router = express.Router();
  const fail = (res: express.Response, status: number, reason: string) => {
    res.status(status).type('text/plain').set('X-Reason', reason).send('FAIL');
  };
  const handle = async (req: Request, res: express.Response) => {
    const account = deps.account();
    if (!account) return fail(res, 404, 'Moneta is not configured');
    const fields = req.method === 'GET' ? req.query : { ...req.query, ...(typeof req.body === 'object' ? req.body : {}) };
    const parsed = monetaNotification.safeParse(fields);
    if (!parsed.success) return fail(res, 400, issuesOf(parsed.error).map((i) => `${i.path}: ${i.message}`).join('; ').slice(0, 300));
    const n = parsed.data;
    if (n.MNT_ID !== account.accountId) return fail(res, 400, 'MNT_ID is not this shop');
    if (!safeEqual(n.MNT_SIGNATURE.toLowerCase(), notificationSignature(n, account.integrityCode))) return fail(res, 401, 'MNT_SIGNATURE does not match');
    await deps.inbox.accept([{ source: 'moneta', deliveryId: n.MNT_OPERATION_ID, topic: 'moneta.payment', payload: n }]);
    res.status(200).type('text/plain').send('SUCCESS');
  };
  router.get('/', (req, res, next) => { handle(req, res).catch(next); });
  router.post('/', express.urlencoded({ extended: false, limit: '16kb' }), (req, res, next) => { handle(req, res).catch(next); });
  return router;
}
