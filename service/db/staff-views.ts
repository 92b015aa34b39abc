import type pg from 'pg';
import { inTransaction } from '../../kernel/db.ts';
import { STAFF_VIEWS } from '../../schemas/service/staff-views.ts';

/**
 * Gives the reader role SELECT on exactly the staff views that exist and nothing else in the
 * service's schemas (run by the owner after each migration). Returns the names granted.
 */
export async function grantStaffViews(db: pg.Pool, reader: string): Promise<string[]> {
  return inTransaction(db, async (tx) => {
    const role = tx.escapeIdentifier(reader);
    const { rows } = await tx.query<{ schema: string; name: string }>(
      `select table_schema as schema, table_name as name from information_schema.tables
        where table_schema not in ('pg_catalog', 'information_schema') and table_schema not like 'pg\\_%'`);
    const granted: string[] = [];
    for (const { schema, name } of rows) {
      const target = `${tx.escapeIdentifier(schema)}.${tx.escapeIdentifier(name)}`;
      await tx.query(`revoke all on ${target} from ${role}`);
      if (schema === 'public' && STAFF_VIEWS.includes(name)) {
        await tx.query(`grant select on ${target} to ${role}`);
        granted.push(name);
      }
    }
    return granted.sort();
  });
}
