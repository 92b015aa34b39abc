import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import pg from 'pg';
import { createPool } from '../../kernel/db.ts';
import { migrate } from '../../service/db/migrate.ts';
import { grantStaffViews } from '../../service/db/staff-views.ts';
import { ensureDatabase } from '../../service/stack/postgres.ts';
import { ensureComponentRoles, urlAs, type ComponentRoles } from '../../service/stack/roles.ts';
import { STAFF_VIEWS } from '../../schemas/service/staff-views.ts';
import { testLog, usePostgres } from '../support/stack.ts';

/** The SQLSTATE of what `sql` answers as the client of `url` (undefined when it succeeds). */
async function refusal(url: string, sql: string): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
    await c.query(sql);
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  } finally {
    await c.end().catch(() => {});
  }
}

describe('PostgreSQL roles per component (issue 12)', function () {
  this.timeout(120_000);
  const tag = randomBytes(3).toString('hex');
  const roles: ComponentRoles = {
    service: { name: `svc_${tag}`, password: randomBytes(12).toString('hex') },
    nocodb: { name: `noco_${tag}`, password: randomBytes(12).toString('hex') },
    reader: { name: `read_${tag}`, password: randomBytes(12).toString('hex') },
  };
  const dbs = { service: `roles_school_${tag}`, nocodb: `roles_nocodb_${tag}` };

  it('gives each database to its own role, moves over what the superuser made, and lets the reader SELECT only the staff views', async () => {
    const postgres = await usePostgres();
    await ensureDatabase(postgres.url, dbs.service);
    await ensureDatabase(postgres.url, dbs.nocodb);
    // A data folder from before the roles: the service's tables belong to the superuser.
    const old = createPool(postgres.urlFor(dbs.service));
    await migrate(old, testLog);
    await old.query(`insert into inbox_event (source, delivery_id, topic, payload) values ('discourse', 'before-roles', 'discourse.post_created', '{}')`);
    await old.end();

    await ensureComponentRoles(postgres.url, dbs, roles);
    await ensureComponentRoles(postgres.url, dbs, roles); // a second start changes nothing and does not fail
    const serviceUrl = urlAs(postgres.url, dbs.service, roles.service);
    const readerUrl = urlAs(postgres.url, dbs.service, roles.reader);
    const service = createPool(serviceUrl);
    try {
      const owners = await service.query<{ owner: string; n: number }>(
        `select pg_get_userbyid(c.relowner) as owner, count(*)::int as n from pg_class c join pg_namespace s on s.oid = c.relnamespace
          where s.nspname in ('public', 'identity_private') and c.relkind in ('r', 'v', 'S') group by 1`);
      expect(owners.rows.map((r) => r.owner), 'every table, view and sequence is the service role\'s').to.deep.equal([roles.service.name]);
      // The service migrates and writes as its own role.
      await migrate(service, testLog);
      await service.query(`insert into inbox_event (source, delivery_id, topic, payload) values ('discourse', 'after-roles', 'discourse.post_created', '{}')`);
      const granted = await grantStaffViews(service, roles.reader.name);
      expect(granted).to.include.members(['inbox_event', 'inbox_invalid', 'points_totals', 'points_statement', 'ai_review_queue']);
      expect(granted.every((g) => STAFF_VIEWS.includes(g))).to.equal(true);

      // The reader: the staff views, nothing else.
      const reader = new pg.Client({ connectionString: readerUrl });
      await reader.connect();
      const seen = await reader.query<{ delivery_id: string }>('select delivery_id from inbox_event order by id');
      expect(seen.rows.map((r) => r.delivery_id)).to.deep.equal(['before-roles', 'after-roles']);
      const listed = await reader.query<{ table_name: string }>(`select table_name from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema') order by 1`);
      expect(listed.rows.map((r) => r.table_name), 'what NocoDB can list as the reader').to.deep.equal(granted);
      for (const view of granted) await reader.query(`select * from ${view} limit 1`); // none needs more than it is given
      await reader.end();
      expect(await refusal(readerUrl, 'select * from inbox_job')).to.equal('42501');
      expect(await refusal(readerUrl, 'select * from identity_keto_tuple')).to.equal('42501');
      expect(await refusal(readerUrl, 'select * from workbook_view')).to.equal('42501');
      expect(await refusal(readerUrl, `insert into inbox_event (source, delivery_id, topic, payload) values ('x', 'typed-in', 'x', '{}')`)).to.equal('42501');
      expect(await refusal(readerUrl, 'create table mine (x int)')).to.equal('42501');

      // Nobody but the superuser runs programs on the host or enters another component's database.
      for (const url of [serviceUrl, readerUrl, urlAs(postgres.url, dbs.nocodb, roles.nocodb)]) {
        expect(await refusal(url, `copy (select 1) to program 'true'`), url).to.equal('42501');
      }
      expect(await refusal(urlAs(postgres.url, dbs.nocodb, roles.service), 'select 1'), 'the service in NocoDB\'s database').to.equal('42501');
      expect(await refusal(urlAs(postgres.url, dbs.nocodb, roles.reader), 'select 1'), 'the reader in NocoDB\'s database').to.equal('42501');
      expect(await refusal(urlAs(postgres.url, dbs.service, roles.nocodb), 'select 1'), 'NocoDB in the service\'s database').to.equal('42501');
      expect(await refusal(urlAs(postgres.url, dbs.nocodb, roles.nocodb), 'create table nc_meta (x int)'), 'NocoDB owns its own').to.equal(undefined);
    } finally {
      await service.end();
    }
  });
});
