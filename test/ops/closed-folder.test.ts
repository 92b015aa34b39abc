/**
 * Root's clone in a folder PostgreSQL's own user cannot enter (/root, or `mktemp -d`, mode
 * 700): embedded PostgreSQL still starts, its data kept under /var/lib/school-platform, and
 * the folder keeps its mode. As root only (otherwise PostgreSQL runs as the caller).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import pg from 'pg';
import { reachableDataDir, ROOT_DATA_HOME, startEmbeddedPostgres } from '../../service/stack/postgres.ts';
import { testLog } from '../support/stack.ts';

describe('embedded PostgreSQL in a folder closed to its user', function () {
  this.timeout(120_000);
  before(function () {
    if (process.getuid?.() !== 0) this.skip();
  });

  it('starts, keeps its data where its user can reach it, and leaves the folder closed', async () => {
    const closed = await mkdtemp(path.join(os.tmpdir(), 'school-closed-'));
    expect((await stat(closed)).mode & 0o777, 'mktemp -d makes a closed folder').to.equal(0o700);
    const dir = path.join(closed, 'clone', '.data', 'postgres');
    const where = reachableDataDir(dir);
    expect(where.blockedBy).to.equal(closed);
    expect(where.dir.startsWith(ROOT_DATA_HOME)).to.equal(true);
    const port = 32000 + (process.pid % 1000);
    const server = await startEmbeddedPostgres({ dir, port, log: testLog });
    try {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      expect((await client.query('select 41 + 1 as n')).rows[0].n).to.equal(42);
      await client.end();
      expect(server.dataDir).to.equal(where.dir);
      expect((await stat(closed)).mode & 0o777, 'the folder stays closed').to.equal(0o700);
    } finally {
      await server.stop();
      await rm(path.dirname(where.dir), { recursive: true, force: true });
      await rm(closed, { recursive: true, force: true });
    }
  });
});
