import { expect } from 'chai';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createPostHog, forwardOnce, lineUuid, POINTS_EVENT, type PostHogLike } from '../../extensions/points/analytics.ts';
import { testLog } from '../support/stack.ts';
import { collected, pointsHarness, type PointsHarness } from './harness.ts';

describe('points: forwarding to PostHog', () => {
  let h: PointsHarness;
  let ivy: string;

  before(async () => {
    h = await pointsHarness('analytics');
    await h.rule({ Id: 1, Kind: 'error_report', Points: 5, EffectiveFrom: '2025-01-01' }, 'insert');
    ivy = await h.registerPerson({});
    await h.deliver([collected(ivy, 'error_report', 'a1', '2025-03-01T10:00:00Z'), collected(ivy, 'error_report', 'a2', '2025-03-01T11:00:00Z')]);
  });

  it('is off without a key', () => {
    expect(createPostHog({ host: 'http://127.0.0.1:9' })).to.equal(undefined);
  });

  it('keeps points whatever PostHog does, and sends the lines again after a failure', async () => {
    const down: PostHogLike = { capture() {}, flush: () => Promise.reject(new Error('PostHog is down')) };
    let error = '';
    await forwardOnce({ db: h.db.pool, log: testLog, posthog: down, settleSeconds: 0 }).catch((e: Error) => (error = e.message));
    expect(error).to.equal('PostHog is down');
    expect(await h.balance(ivy)).to.equal(10);

    const sent: { distinctId: string; event: string; uuid?: string; properties?: Record<string, unknown> }[] = [];
    const up: PostHogLike = { capture: (m) => void sent.push(m), flush: async () => {} };
    expect(await forwardOnce({ db: h.db.pool, log: testLog, posthog: up, settleSeconds: 0 })).to.equal(2);
    expect(await forwardOnce({ db: h.db.pool, log: testLog, posthog: up, settleSeconds: 0 })).to.equal(0);
    expect(sent.map((m) => [m.distinctId, m.event, m.properties?.points])).to.deep.equal([[ivy, POINTS_EVENT, 5], [ivy, POINTS_EVENT, 5]]);
  });

  it('speaks PostHog\'s batch API through posthog-node, with the identity id and a stable uuid per line', async () => {
    await h.deliver([collected(ivy, 'error_report', 'a3', '2025-03-01T12:00:00Z')]);
    const batches: { api_key: string; batch: { distinct_id: string; event: string; uuid: string; properties: Record<string, unknown> }[] }[] = [];
    const app = express();
    app.post('/batch/', express.raw({ type: () => true, limit: '5mb' }), (req, res) => {
      // express inflates a gzip body (posthog-node compresses its batches).
      batches.push(JSON.parse((req.body as Buffer).toString('utf8')));
      res.json({ status: 1 });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const posthog = createPostHog({ apiKey: 'phc_test', host: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })!;
    try {
      expect(await forwardOnce({ db: h.db.pool, log: testLog, posthog, settleSeconds: 0 })).to.equal(1);
    } finally {
      await posthog.shutdown?.();
      server.close();
    }
    const events = batches.flatMap((b) => b.batch);
    expect(batches[0]!.api_key).to.equal('phc_test');
    expect(events.map((e) => [e.distinct_id, e.event, e.properties.kind, e.properties.points])).to.deep.equal([[ivy, POINTS_EVENT, 'error_report', 5]]);
    const { rows } = await h.db.pool.query(`select max(id)::text as id from points_ledger`);
    expect(events[0]!.uuid).to.equal(lineUuid(rows[0].id));
  });
});
