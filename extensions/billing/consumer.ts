import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { Consumer } from '../../kernel/capability.ts';
import { InvalidPayload } from '../../kernel/errors.ts';
import { issuesOf } from '../../kernel/validation.ts';
import type { NocoRows } from '../../nocodb/client.ts';
import type { NocoLinks } from '../../nocodb/links.ts';
import { grantRow, planRow, priceRow, priceScheduleRow, productRow } from '../../schemas/events/billing.ts';
import { nocodbRowPayload } from '../../schemas/events/identity.ts';
import { currentVersion, mirrorPlan, mirrorPriceRule, mirrorProduct } from './catalog-store.ts';
import { applyPlanLinks, applyProductLinks, readPlanLinks, readProductLinks } from './catalog-sync.ts';
import { localDay } from './days.ts';
import { applyGrant } from './grants.ts';
import { entitlementsChanged } from './subscriptions-store.ts';

export const BILLING_TABLES = ['products', 'plans', 'prices', 'price_schedules', 'grants'] as const;
export const BILLING_TOPICS: readonly string[] = BILLING_TABLES.flatMap((t) => ['insert', 'update', 'delete'].map((op) => `nocodb.${t}.${op}`));

export interface BillingConsumerDeps {
  nocodb: NocoRows;
  links: NocoLinks;
  clock: () => Date;
  timeZone: string;
}

function parseRow<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: import('zod').ZodError } }, row: unknown, what: string): T {
  const parsed = schema.safeParse(row);
  if (!parsed.success) throw new InvalidPayload(issuesOf(parsed.error), `${what} row is not valid`);
  return parsed.data;
}

/**
 * Staff's NocoDB edits of the catalog and of grants, mirrored and applied in the worker's
 * transaction. It reads NocoDB (a product's guides, a grant's person) while that is open,
 * so it runs on the pool for outside calls (callsOut).
 */
export function billingConsumer(deps: BillingConsumerDeps): Consumer {
  return {
    name: 'billing',
    topics: BILLING_TOPICS,
    callsOut: true,
    async handle(event, { tx, log }) {
      const payload = nocodbRowPayload.safeParse(event.payload);
      if (!payload.success) throw new InvalidPayload(issuesOf(payload.error), 'NocoDB row event is not valid');
      const { table, operation: op, row } = payload.data;
      const now = deps.clock();
      const today = localDay(now, deps.timeZone);
      switch (table) {
        case 'products': {
          const product = parseRow(productRow, row, 'Products');
          const linked = op === 'delete' ? { guides: [], plans: [] } : await readProductLinks(deps.links, product.Id);
          if (await mirrorProduct(tx, op, product, linked.guides)) await entitlementsChanged(tx, [product.Id]);
          if (op !== 'delete') await applyProductLinks(tx, product.Id, linked.plans);
          return;
        }
        case 'plans': {
          const plan = parseRow(planRow, row, 'Plans');
          if (await mirrorPlan(tx, op, plan) && op !== 'delete') await applyPlanLinks(tx, plan.Id, await readPlanLinks(deps.links, plan.Id), today);
          return;
        }
        case 'prices':
        case 'price_schedules': {
          const rule = table === 'prices' ? parseRow(priceRow, row, 'Prices') : parseRow(priceScheduleRow, row, 'Price schedules');
          const planId = await mirrorPriceRule(tx, table, op, rule);
          if (planId) await currentVersion(tx, planId, today);
          return;
        }
        case 'grants': {
          const grant = parseRow(grantRow, row, 'Grants');
          const personId = grant.people_id ? await identityOfPerson(deps.nocodb, grant.people_id) : null;
          const result = await applyGrant(tx, { op, row: grant, personId, today, now });
          logGrant(log, grant.Id, result.outcome);
          return;
        }
        default:
          return;
      }
    },
  };
}

async function identityOfPerson(nocodb: NocoRows, peopleId: number): Promise<string | null> {
  try {
    const person = await nocodb.get('people', peopleId);
    return typeof person.IdentityId === 'string' && person.IdentityId.trim() ? person.IdentityId.trim() : null;
  } catch (e) {
    if ((e as { response?: { status?: number } }).response?.status === 404) return null;
    throw e;
  }
}

function logGrant(log: Logger, rowId: number, outcome: string): void {
  if (outcome.startsWith('refused')) log.warn({ component: 'billing', grant: rowId, outcome }, 'staff grant not applied');
  else log.info({ component: 'billing', grant: rowId, outcome }, 'staff grant applied');
}

export type { PoolClient };
