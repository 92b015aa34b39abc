import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import type { Logger } from 'pino';
import { inTransaction } from '../../kernel/db.ts';

/**
 * Applies the versioned SQL migrations in schemas/migrations in file-name order, each in
 * its own transaction, under an advisory lock so two processes never race. Numbering:
 * 00xx platform, 01xx identity, 02xx points, 03xx AI checks, 04xx billing.
 */
export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../schemas/migrations');

export async function migrate(pool: pg.Pool, log: Logger, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const applied: string[] = [];
  await inTransaction(pool, async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', ['school.migrate']);
    await tx.query(`create table if not exists schema_migrations (
      name text primary key, applied_at timestamptz not null default now())`);
    const done = new Set((await tx.query<{ name: string }>('select name from schema_migrations')).rows.map((r) => r.name));
    for (const file of files) {
      if (done.has(file)) continue;
      await tx.query(await readFile(path.join(dir, file), 'utf8'));
      await tx.query('insert into schema_migrations(name) values ($1)', [file]);
      applied.push(file);
      log.info({ component: 'migrate', file }, 'migration applied');
    }
  });
  return applied;
}
