import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../../kernel/db.ts';
import type { NocoRows, Row } from '../../nocodb/client.ts';
import type { NocoLinks } from '../../nocodb/links.ts';
import { planRow, priceRow, priceScheduleRow, productRow } from '../../schemas/events/billing.ts';
import { currentVersion, mirrorPlan, mirrorPriceRule, mirrorProduct } from './catalog-store.ts';
import { entitlementsChanged } from './subscriptions-store.ts';

/**
 * The catalog as NocoDB holds it now, links included. A link made in the grid fires no
 * webhook and does not always move the rows' UpdatedAt, so besides each row's event the
 * whole catalog (tens of rows) is read again every minute and mirrored: what staff linked
 * is sold within a minute at worst. NocoDB is read first; the mirror is one transaction.
 */
export interface CatalogLinks {
  productGuides: Map<number, string[]>;
  productPlans: Map<number, number[]>;
  planPrices: Map<number, Row[]>;
  planSchedules: Map<number, Row[]>;
}

const slugs = (rows: Row[]) => rows.map((g) => (typeof g.Slug === 'string' ? g.Slug.trim() : '')).filter(Boolean);

export async function readProductLinks(links: NocoLinks, productId: number) {
  const [guides, plans] = await Promise.all([
    links.list('products', 'Guides', productId, ['Id', 'Slug']),
    links.list('products', 'Plans', productId, ['Id']),
  ]);
  return { guides: slugs(guides), plans: plans.map((p) => Number(p.Id)) };
}

export async function readPlanLinks(links: NocoLinks, planId: number) {
  const [prices, schedules, groups] = await Promise.all([
    links.list('plans', 'Prices', planId, ['Id', 'AmountMinor', 'ValidFrom', 'UpdatedAt']),
    links.list('plans', 'Price schedules', planId, ['Id', 'StepMinor', 'EveryMonths', 'StartsOn', 'EndsOn', 'CapMinor', 'UpdatedAt']),
    links.list('plans', 'Groups', planId, ['Id']),
  ]);
  return { prices, schedules, groups: groups.map((g) => Number(g.Id)) };
}

/** A product's links as read: its guides (in the mirror) and which plans are its. */
export async function applyProductLinks(tx: PoolClient, productId: number, planIds: number[]): Promise<void> {
  await tx.query(`update billing_plan set product_id = case when id = any($2::int[]) then $1 else null end
    where (id = any($2::int[]) and product_id is distinct from $1) or (product_id = $1 and not id = any($2::int[]))`, [productId, planIds]);
}

/** A plan's prices and schedules as linked now, from whichever side staff linked them. */
export async function applyPlanLinks(tx: PoolClient, planId: number, linked: { prices: Row[]; schedules: Row[]; groups: number[] }, today: string): Promise<void> {
  await tx.query('delete from billing_group_plan where plan_id = $1 and not group_id = any($2::int[])', [planId, linked.groups]);
  await tx.query(`insert into billing_group_plan (group_id, plan_id) select unnest($2::int[]), $1
    on conflict (group_id) do update set plan_id = excluded.plan_id, updated_at = now() where billing_group_plan.plan_id <> excluded.plan_id`, [planId, linked.groups]);
  const keys: string[] = [];
  for (const r of linked.prices) {
    const rule = priceRow.safeParse({ ...r, plans_id: planId });
    if (!rule.success) continue;
    await mirrorPriceRule(tx, 'prices', 'update', rule.data);
    keys.push(`prices:${rule.data.Id}`);
  }
  for (const r of linked.schedules) {
    const rule = priceScheduleRow.safeParse({ ...r, plans_id: planId });
    if (!rule.success) continue;
    await mirrorPriceRule(tx, 'price_schedules', 'update', rule.data);
    keys.push(`price_schedules:${rule.data.Id}`);
  }
  await tx.query(`update billing_price_rule set plan_id = null where plan_id = $1 and not (nocodb_table || ':' || row_id) = any($2::text[])`, [planId, keys]);
  await currentVersion(tx, planId, today);
}

export async function resyncCatalog(deps: { db: Pool; nocodb: NocoRows; links: NocoLinks }, today: string): Promise<{ products: number; plans: number }> {
  const listAll = async (key: string) => {
    const out: Row[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = await deps.nocodb.list(key, { limit: 1000, offset });
      out.push(...page);
      if (page.length < 1000) return out;
    }
  };
  const [products, plans] = await Promise.all([listAll('products'), listAll('plans')]);
  const productLinks = await Promise.all(products.map((p) => readProductLinks(deps.links, Number(p.Id))));
  const planLinks = await Promise.all(plans.map((p) => readPlanLinks(deps.links, Number(p.Id))));
  await inTransaction(deps.db, async (tx) => {
    const changed: number[] = [];
    for (const [i, raw] of products.entries()) {
      const product = productRow.safeParse(raw);
      if (!product.success) continue;
      const before = (await tx.query<{ guides: string[] }>('select guides from billing_product where id = $1', [product.data.Id])).rows[0];
      await mirrorProduct(tx, 'update', product.data, productLinks[i]!.guides);
      if (!before || before.guides.join() !== productLinks[i]!.guides.join()) changed.push(product.data.Id);
    }
    for (const raw of plans) {
      const plan = planRow.safeParse(raw);
      if (plan.success) await mirrorPlan(tx, 'update', plan.data);
    }
    // Gone from NocoDB (a delete whose webhook was lost): no longer sold.
    await tx.query('update billing_product set deleted = true, updated_at = now() where not deleted and not id = any($1::int[])', [products.map((p) => Number(p.Id))]);
    await tx.query('update billing_plan set deleted = true, updated_at = now() where not deleted and not id = any($1::int[])', [plans.map((p) => Number(p.Id))]);
    for (const [i, raw] of products.entries()) await applyProductLinks(tx, Number(raw.Id), productLinks[i]!.plans);
    for (const [i, raw] of plans.entries()) {
      if (!planRow.safeParse(raw).success) continue;
      await applyPlanLinks(tx, Number(raw.Id), planLinks[i]!, today);
    }
    await entitlementsChanged(tx, changed);
  });
  return { products: products.length, plans: plans.length };
}
