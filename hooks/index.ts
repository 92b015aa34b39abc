import express, { type Router } from 'express';
import type { DefinedTable } from '../schemas/nocodb/index.ts';
import type { Inbox } from '../kernel/inbox.ts';
import { collectorReceiver } from './collector.ts';
import { discourseReceiver } from './discourse.ts';
import { kratosReceiver } from './kratos.ts';
import { nocodbReceiver } from './nocodb.ts';
import { telegramReceiver } from './telegram.ts';
import { monetaReceiver, type MonetaHookConfig } from './moneta.ts';
import { stripeReceiver, type StripeHookConfig } from './stripe.ts';
import { yookassaReceiver, type YookassaHookConfig } from './yookassa.ts';
import type { NocoNames } from '../nocodb/names.ts';

export interface HookSecrets {
  nocodb: string;
  kratos: string;
  discourse: string;
  collector: string;
  telegram: string;
}

/**
 * Every webhook receiver, mounted at /hooks. Each one only authenticates, validates with
 * zod and writes to the inbox; nothing here does business work.
 */
export function hooksRouter(deps: { inbox: Inbox; secrets: HookSecrets; tableById: (id: string) => DefinedTable | undefined; names?: NocoNames; moneta?: MonetaHookConfig; stripe?: StripeHookConfig; yookassa?: YookassaHookConfig }): Router {
  const router = express.Router();
  const { inbox, secrets } = deps;
  router.use('/nocodb', nocodbReceiver({ inbox, secret: () => secrets.nocodb, tableById: deps.tableById, ...(deps.names ? { names: deps.names } : {}) }));
  router.use('/kratos', kratosReceiver({ inbox, key: () => secrets.kratos }));
  router.use('/discourse', discourseReceiver({ inbox, secret: () => secrets.discourse }));
  router.use('/collector', collectorReceiver({ inbox, token: () => secrets.collector }));
  router.use('/telegram', telegramReceiver({ inbox, secret: () => secrets.telegram }));
  router.use('/moneta', monetaReceiver({ inbox, account: () => deps.moneta ?? null }));
  // Stripe signs the raw body: its router reads the bytes itself (no JSON parser before it).
  router.use('/stripe', stripeReceiver({ inbox, config: () => deps.stripe ?? null }));
  router.use('/yookassa', yookassaReceiver({ inbox, config: () => deps.yookassa ?? null }));
  return router;
}
