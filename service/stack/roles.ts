import pg from 'pg';

/**
 * One PostgreSQL role per component (issue 12): the service owns its database, NocoDB owns
 * its meta database, and NocoDB's "Service data" source signs in as a reader that may only
 * SELECT the staff views (schemas/staff-views.ts). None is a superuser, so whoever takes one
 * component gets neither the others' databases nor `COPY ... TO PROGRAM`.
 * The embedded stack creates them here; docker-compose creates the same ones in
 * nocodb/init-databases.sh.
 */
export interface DatabaseRole { name: string; password: string }
export interface ComponentRoles { service: DatabaseRole; nocodb: DatabaseRole; reader: DatabaseRole }

export const ROLE_NAMES = { service: 'school_service', nocodb: 'school_nocodb', reader: 'school_reader' } as const;

/** The URL of `database` on the server of `adminUrl`, signed in as `role`. */
export function urlAs(adminUrl: string, database: string, role: DatabaseRole): string {
  const u = new URL(adminUrl);
  u.username = encodeURIComponent(role.name);
  u.password = encodeURIComponent(role.password);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Creates the roles (or resets their passwords to the given ones), gives each database to its
 * owner with CONNECT for it alone (and the reader on the service's), and hands over what an
 * older start created as the superuser, so an existing data folder moves over too.
 */
export async function ensureComponentRoles(
  adminUrl: string,
  databases: { service: string; nocodb: string },
  roles: ComponentRoles,
): Promise<void> {
  await withClient(adminUrl, 'postgres', async (c) => {
    for (const role of Object.values(roles)) {
      const exists = (await c.query('select 1 from pg_roles where rolname = $1', [role.name])).rowCount;
      const name = c.escapeIdentifier(role.name);
      await c.query(`${exists ? 'alter' : 'create'} role ${name} login nosuperuser nocreatedb nocreaterole noreplication password ${c.escapeLiteral(role.password)}`);
    }
    for (const [database, owner, others] of [
      [databases.service, roles.service, [roles.reader]],
      [databases.nocodb, roles.nocodb, []],
    ] as const) {
      const db = c.escapeIdentifier(database);
      await c.query(`alter database ${db} owner to ${c.escapeIdentifier(owner.name)}`);
      await c.query(`revoke connect, temporary on database ${db} from public`);
      for (const r of [owner, ...others]) await c.query(`grant connect on database ${db} to ${c.escapeIdentifier(r.name)}`);
    }
  });
  await withClient(adminUrl, databases.service, (c) => handOver(c, roles.service.name));
  await withClient(adminUrl, databases.nocodb, (c) => handOver(c, roles.nocodb.name));
}

/**
 * Gives `role` the schemas, tables, views, sequences, functions and types of the connected
 * database that someone else owns. (REASSIGN OWNED cannot move what the bootstrap superuser
 * owns, so each object is altered; a sequence that belongs to a column moves with its table.)
 */
async function handOver(c: pg.Client, role: string): Promise<void> {
  await c.query(`do $$
declare r record; target oid := (select oid from pg_roles where rolname = ${c.escapeLiteral(role)});
begin
  for r in select n.nspname from pg_namespace n
    where n.nspname not in ('pg_catalog', 'information_schema', 'public') and n.nspname not like 'pg\\_%' and n.nspowner <> target
  loop execute format('alter schema %I owner to %I', r.nspname, ${c.escapeLiteral(role)}); end loop;
  for r in select n.nspname, c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%' and c.relowner <> target
      and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
      and not (c.relkind = 'S' and exists (select 1 from pg_depend d where d.objid = c.oid and d.classid = 'pg_class'::regclass and d.deptype in ('a', 'i')))
    order by c.relkind = 'S'
  loop execute format('alter %s %I.%I owner to %I',
    case r.relkind when 'v' then 'view' when 'm' then 'materialized view' when 'f' then 'foreign table' when 'S' then 'sequence' else 'table' end,
    r.nspname, r.relname, ${c.escapeLiteral(role)}); end loop;
  for r in select p.oid::regprocedure as f from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%' and p.proowner <> target
  loop execute format('alter routine %s owner to %I', r.f, ${c.escapeLiteral(role)}); end loop;
  for r in select t.oid::regtype as t from pg_type t join pg_namespace n on n.oid = t.typnamespace
    where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%' and t.typowner <> target
      and t.typtype in ('e', 'd', 'r')
  loop execute format('alter type %s owner to %I', r.t, ${c.escapeLiteral(role)}); end loop;
end $$`);
}

async function withClient<T>(adminUrl: string, database: string, run: (c: pg.Client) => Promise<T>): Promise<T> {
  const u = new URL(adminUrl);
  u.pathname = `/${database}`;
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  try {
    return await run(c);
  } finally {
    await c.end();
  }
}
