import type { PoolClient } from 'pg';
import type { z } from 'zod';
import type { planRow, priceRow, priceScheduleRow, productRow } from '../../schemas/events/billing.ts';
import { priceAt, type PriceRules } from './prices.ts';

/**
 * The catalog mirrored from NocoDB into billing's tables (0500), and the price versions made
 * from its price rules. A row change older than the one mirrored (a late webhook after the
 * sweep) changes nothing: `updated_at` keeps NocoDB's UpdatedAt of what is mirrored.
 */
const at = (v: string | null | undefined) => (v ? new Date(v.replace(' ', 'T')) : new Date(0));

export async function mirrorProduct(tx: PoolClient, op: string, row: z.infer<typeof productRow>, guides: string[]): Promise<number | null> {
  const { rows } = await tx.query<{ id: number }>(
    `insert into billing_product as p (id, code, title, kind, telegram_chat, guides, deleted, updated_at, next_steps_ru, next_steps_en)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict (id) do update set code = excluded.code, title = excluded.title, kind = excluded.kind,
       telegram_chat = excluded.telegram_chat, guides = excluded.guides, deleted = excluded.deleted, updated_at = excluded.updated_at,
       next_steps_ru = excluded.next_steps_ru, next_steps_en = excluded.next_steps_en
     where p.updated_at <= excluded.updated_at
     returning id`,
    [row.Id, row.Code, row.Title ?? `#${row.Id}`, row.Kind ?? 'subscription', row.TelegramChat, guides, op === 'delete', at(row.UpdatedAt),
      row.NextStepsRu, row.NextStepsEn]);
  return rows[0]?.id ?? null;
}

export async function mirrorPlan(tx: PoolClient, op: string, row: z.infer<typeof planRow>): Promise<boolean> {
  const { rowCount } = await tx.query(
    `insert into billing_plan as p (id, product_id, title, duration, starts_on, ends_on, jurisdiction, currency, archived,
       renewal_keeps_price, trial_days, installments, deleted, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     on conflict (id) do update set product_id = excluded.product_id, title = excluded.title, duration = excluded.duration,
       starts_on = excluded.starts_on, ends_on = excluded.ends_on, jurisdiction = excluded.jurisdiction, currency = excluded.currency,
       archived = excluded.archived, renewal_keeps_price = excluded.renewal_keeps_price, trial_days = excluded.trial_days,
       installments = excluded.installments, deleted = excluded.deleted, updated_at = excluded.updated_at
     where p.updated_at <= excluded.updated_at`,
    [row.Id, row.products_id, row.Title ?? `#${row.Id}`, row.Duration ?? 'month', row.StartsOn, row.EndsOn, row.Jurisdiction ?? 'ru',
      row.Currency ?? (row.Jurisdiction === 'world' ? 'USD' : 'RUB'), row.Archived, row.RenewalPrice === 'price bought at',
      Math.max(0, row.TrialDays ?? 0), Math.min(24, Math.max(1, row.Installments ?? 1)), op === 'delete', at(row.UpdatedAt)]);
  return (rowCount ?? 0) > 0;
}

export async function mirrorPriceRule(
  tx: PoolClient, table: 'prices' | 'price_schedules', op: string,
  row: z.infer<typeof priceRow> | z.infer<typeof priceScheduleRow>,
): Promise<number | null> {
  const rule = table === 'prices'
    ? { amountMinor: (row as z.infer<typeof priceRow>).AmountMinor, validFrom: (row as z.infer<typeof priceRow>).ValidFrom }
    : (({ StepMinor, EveryMonths, StartsOn, EndsOn, CapMinor }) => ({ stepMinor: StepMinor, everyMonths: EveryMonths ?? 3, startsOn: StartsOn, endsOn: EndsOn, capMinor: CapMinor }))(row as z.infer<typeof priceScheduleRow>);
  const { rows } = await tx.query<{ plan_id: number | null; old_plan: number | null }>(
    `with old as (select plan_id from billing_price_rule where nocodb_table = $1 and row_id = $2)
     insert into billing_price_rule as r (nocodb_table, row_id, plan_id, rule, deleted, updated_at) values ($1, $2, $3, $4, $5, $6)
     on conflict (nocodb_table, row_id) do update set plan_id = excluded.plan_id, rule = excluded.rule, deleted = excluded.deleted, updated_at = excluded.updated_at
     where r.updated_at <= excluded.updated_at
     returning plan_id, (select plan_id from old) as old_plan`,
    [table, row.Id, row.plans_id, JSON.stringify(rule), op === 'delete', at(row.UpdatedAt)]);
  return rows[0]?.plan_id ?? rows[0]?.old_plan ?? null;
}

/** A plan's price rules as mirrored (rows without an amount or a date are not rules yet). */
export async function priceRulesOf(tx: Pick<PoolClient, 'query'>, planId: number): Promise<PriceRules> {
  const { rows } = await tx.query<{ nocodb_table: string; row_id: number; rule: Record<string, unknown> }>(
    `select nocodb_table, row_id, rule from billing_price_rule where plan_id = $1 and not deleted`, [planId]);
  const rules: PriceRules = { rows: [], schedules: [] };
  for (const r of rows) {
    const x = r.rule as Record<string, number | string | null>;
    if (r.nocodb_table === 'prices' && typeof x.amountMinor === 'number' && typeof x.validFrom === 'string') {
      rules.rows.push({ rowId: r.row_id, amountMinor: x.amountMinor, validFrom: x.validFrom });
    } else if (r.nocodb_table === 'price_schedules' && typeof x.stepMinor === 'number' && typeof x.startsOn === 'string') {
      rules.schedules.push({ rowId: r.row_id, stepMinor: x.stepMinor, everyMonths: Number(x.everyMonths ?? 3), startsOn: x.startsOn,
        endsOn: typeof x.endsOn === 'string' ? x.endsOn : null, capMinor: typeof x.capMinor === 'number' ? x.capMinor : null });
    }
  }
  return rules;
}

export interface PriceVersion { id: number; planId: number; amountMinor: number; currency: string; validFrom: string; origin: string }

const toVersion = (r: { id: string; plan_id: number; amount_minor: string; currency: string; valid_from: string; origin: string }): PriceVersion =>
  ({ id: Number(r.id), planId: r.plan_id, amountMinor: Number(r.amount_minor), currency: r.currency, validFrom: r.valid_from, origin: r.origin });

const VERSION_COLUMNS = `id, plan_id, amount_minor, currency, to_char(valid_from, 'YYYY-MM-DD') as valid_from, origin`;

/**
 * The version a plan sells at on `today`, recorded if the rules say something new. Versions
 * are never retroactive: a change whose date has passed (an edit of an old price row, a step
 * missed while the service was down) holds from `today`; only a plan's first version may
 * start earlier (nothing was sold before it). Null: the plan has no price yet.
 */
export async function currentVersion(tx: PoolClient, planId: number, today: string): Promise<PriceVersion | null> {
  const plan = await tx.query<{ currency: string }>('select currency from billing_plan where id = $1 and not deleted', [planId]);
  if (!plan.rows[0]) return null;
  const price = priceAt(await priceRulesOf(tx, planId), today);
  if (!price) return null;
  const last = (await tx.query(`select ${VERSION_COLUMNS} from billing_price_version where plan_id = $1 order by valid_from desc, id desc limit 1`, [planId])).rows[0];
  const latest = last ? toVersion(last) : null;
  if (latest && latest.amountMinor === price.amountMinor && latest.currency === plan.rows[0].currency) return latest;
  const validFrom = latest && price.validFrom < today ? today : price.validFrom;
  await tx.query(
    `insert into billing_price_version (plan_id, amount_minor, currency, valid_from, origin) values ($1, $2, $3, $4, $5)
     on conflict (plan_id, valid_from, amount_minor, origin) do nothing`,
    [planId, price.amountMinor, plan.rows[0].currency, validFrom, price.origin]);
  const { rows } = await tx.query(`select ${VERSION_COLUMNS} from billing_price_version where plan_id = $1 order by valid_from desc, id desc limit 1`, [planId]);
  return rows[0] ? toVersion(rows[0]) : null;
}

export async function versionById(tx: Pick<PoolClient, 'query'>, id: number): Promise<PriceVersion | null> {
  const { rows } = await tx.query(`select ${VERSION_COLUMNS} from billing_price_version where id = $1`, [id]);
  return rows[0] ? toVersion(rows[0]) : null;
}

export interface PlanRecord {
  id: number; productId: number | null; title: string; duration: 'month' | 'quarter' | 'year' | '2 years' | 'fixed dates';
  startsOn: string | null; endsOn: string | null; jurisdiction: string; currency: string; archived: boolean;
  renewalKeepsPrice: boolean; trialDays: number; installments: number; deleted: boolean;
}

export async function planById(tx: Pick<PoolClient, 'query'>, id: number): Promise<PlanRecord | null> {
  const { rows } = await tx.query(
    `select id, product_id, title, duration, to_char(starts_on, 'YYYY-MM-DD') as starts_on, to_char(ends_on, 'YYYY-MM-DD') as ends_on,
       jurisdiction, currency, archived, renewal_keeps_price, trial_days, installments, deleted from billing_plan where id = $1`, [id]);
  const r = rows[0];
  return r ? {
    id: r.id, productId: r.product_id, title: r.title, duration: r.duration, startsOn: r.starts_on, endsOn: r.ends_on,
    jurisdiction: r.jurisdiction, currency: r.currency, archived: r.archived, renewalKeepsPrice: r.renewal_keeps_price,
    trialDays: r.trial_days, installments: r.installments, deleted: r.deleted,
  } : null;
}
