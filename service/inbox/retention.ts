import type pg from 'pg';

/**
 * The inbox keeps every accepted delivery until every consumer is done with it, and then for
 * `days` more (a sender's redelivery within that time is still known as a duplicate; later,
 * the consumers' own keys make it one: points by the event key, identity by recomputing).
 * Then the event and its jobs go, `batch` at a time, so a prune never holds a long lock.
 * Kept whatever their age: events a consumer has not finished (pending, dead: staff may
 * replay them), and the latest event of each NocoDB row, which the deletion sweep
 * (hooks/nocodb-sweep.ts) compares with what NocoDB still holds.
 */
export async function pruneInbox(db: pg.Pool, opts: { days: number; batch?: number; now?: Date }): Promise<number> {
  if (opts.days <= 0) return 0;
  const batch = opts.batch ?? 1000;
  const before = new Date((opts.now ?? new Date()).getTime() - opts.days * 86_400_000);
  let removed = 0;
  for (;;) {
    const client = await db.connect();
    let n = 0;
    try {
      await client.query('begin');
      const { rows } = await client.query<{ id: string }>(`
        select e.id::text from inbox_event e
        where e.received_at < $1
          and not exists (select 1 from inbox_job j where j.event_id = e.id and j.status <> 'done')
          and (e.source <> 'nocodb' or e.payload->'row'->>'Id' is null or exists (
            select 1 from inbox_event n where n.source = 'nocodb' and n.id > e.id
              and n.payload->>'table' = e.payload->>'table' and n.payload->'row'->>'Id' = e.payload->'row'->>'Id'))
        order by e.id limit $2
        for update skip locked`, [before, batch]);
      const ids = rows.map((r) => r.id);
      if (ids.length) {
        await client.query('delete from inbox_job where event_id = any($1::bigint[])', [ids]);
        await client.query('delete from inbox_event where id = any($1::bigint[])', [ids]);
      }
      await client.query('commit');
      n = ids.length;
    } catch (e) {
      await client.query('rollback').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
    removed += n;
    if (n < batch) return removed;
  }
}
