import { autopostTables } from './autoposts.ts';
import { billingTables } from './billing.ts';
import { billingSeatTables } from './billing-seats.ts';
import { billingGrantFileTables } from './billing-grant-files.ts';
import { billingRefundTables } from './billing-refunds.ts';
import { crmTables } from './crm.ts';
import type { DefinedTable } from './define.ts';
import { metaModelTables } from './meta-model.ts';
import { pointsRulesTable } from './points-rules.ts';
import { workbookTables } from './workbooks.ts';
import { telegramAccessTables } from './telegram-access.ts';

export * from './define.ts';

/** Every table of the NocoDB base "School", in provisioning order. */
export const schoolTables: DefinedTable[] = [...metaModelTables, ...workbookTables, ...crmTables, ...billingTables, ...billingSeatTables, ...billingGrantFileTables, ...billingRefundTables, pointsRulesTable, ...telegramAccessTables, ...autopostTables];

export function tableByKey(key: string): DefinedTable | undefined {
  return schoolTables.find((t) => t.key === key);
}
