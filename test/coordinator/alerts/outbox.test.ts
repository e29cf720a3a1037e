import { afterEach, expect, it } from 'vitest';
import {
  ALERTMANAGER_CHANNEL,
  type AlertsConfig,
  webhookChannel,
} from '../../../src/coordinator/alerts/config.ts';
import type { AlertmanagerAlert } from '../../../src/coordinator/alerts/format-alertmanager.ts';
import { enqueueAlerts } from '../../../src/coordinator/alerts/outbox.ts';
import type { Store } from '../../../src/store/store.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { firing, openedEvent, resolvedEvent, T0 } from './fixtures.ts';

const JSON_HOOK = { url: 'http://receiver.test/hook', format: 'json', headers: {} } as const;
const SLACK_HOOK = { url: 'http://chat.test/services/secret', format: 'slack', headers: {} } as const;

function config(over: Partial<AlertsConfig> = {}): AlertsConfig {
  return {
    webhooks: [JSON_HOOK, SLACK_HOOK],
    alertmanager_url: 'http://am.test:9093',
    timeout_ms: 5000,
    max_attempts: 10,
    initial_backoff_ms: 1000,
    max_backoff_ms: 300_000,
    dispatch_interval_ms: 1000,
    ...over,
  };
}

describeEachBackend('alert outbox', (backend) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  const rows = (s: Store) =>
    s.db.selectFrom('outbox').selectAll().orderBy('created_at').orderBy('id').execute();

  it('writes nothing when nothing happened and nothing is open', async () => {
    store = await backend.open();
    const ids = await enqueueAlerts(store.db, { events: [], firing: [] }, { now: T0, config: config() });
    expect(ids).toEqual([]);
    expect(await rows(store)).toEqual([]);
  });

  it('writes one row per webhook and one for Alertmanager, due at once', async () => {
    store = await backend.open();
    const s = store;
    const ids = await s.db
      .transaction()
      .execute((trx) =>
        enqueueAlerts(trx, { events: [openedEvent()], firing: [firing()] }, { now: T0, config: config() }),
      );
    expect(ids).toHaveLength(3);
    const written = await rows(s);
    expect(new Set(written.map((r) => r.channel))).toEqual(
      new Set([webhookChannel(JSON_HOOK), webhookChannel(SLACK_HOOK), ALERTMANAGER_CHANNEL]),
    );
    for (const row of written) {
      expect(row).toMatchObject({
        state: 'pending',
        attempts: 0,
        next_attempt_at: T0,
        created_at: T0,
        last_error: null,
      });
    }
    const byChannel = new Map(written.map((r) => [r.channel, JSON.parse(r.payload)]));
    expect(byChannel.get(webhookChannel(JSON_HOOK))).toMatchObject({ version: 1, events: [openedEvent()] });
    expect(byChannel.get(webhookChannel(SLACK_HOOK))?.text).toContain('[CRITICAL] uptime_pct of node n-17');
    expect(byChannel.get(ALERTMANAGER_CHANNEL)).toHaveLength(1);
  });

  it('keeps telling Alertmanager about open violations when nothing changed, and only Alertmanager', async () => {
    store = await backend.open();
    await enqueueAlerts(store.db, { events: [], firing: [firing()] }, { now: T0, config: config() });
    expect((await rows(store)).map((r) => r.channel)).toEqual([ALERTMANAGER_CHANNEL]);
  });

  it('sends each receiver listed twice once, and nothing to an Alertmanager that is not configured', async () => {
    store = await backend.open();
    await enqueueAlerts(
      store.db,
      { events: [openedEvent()], firing: [firing()] },
      { now: T0, config: config({ webhooks: [JSON_HOOK, { ...JSON_HOOK }], alertmanager_url: null }) },
    );
    expect((await rows(store)).map((r) => r.channel)).toEqual([webhookChannel(JSON_HOOK)]);
  });

  it("goes back with the collection's transaction", async () => {
    store = await backend.open();
    const s = store;
    await expect(
      s.db.transaction().execute(async (trx) => {
        await enqueueAlerts(
          trx,
          { events: [openedEvent()], firing: [firing()] },
          { now: T0, config: config() },
        );
        throw new Error('collection failed');
      }),
    ).rejects.toThrow('collection failed');
    expect(await rows(s)).toEqual([]);
  });

  it('replaces a waiting Alertmanager snapshot, keeping the resolutions only it carried', async () => {
    store = await backend.open();
    const cfg = config({ webhooks: [] });
    // Collection 1: n-3 resolved, n-17 firing. Alertmanager is down; the row stays pending.
    await enqueueAlerts(
      store.db,
      { events: [resolvedEvent()], firing: [firing()] },
      { now: T0, config: cfg },
    );
    // Collection 2: n-17 still firing, n-8 newly firing.
    const later = T0 + 300_000;
    await enqueueAlerts(
      store.db,
      { events: [], firing: [firing(), firing({ violation_id: 'v-8', node_id: 'n-8', subject: 'n-8' })] },
      { now: later, config: cfg },
    );
    const written = await rows(store);
    expect(written).toHaveLength(1);
    const alerts = JSON.parse(written[0]?.payload ?? '[]') as AlertmanagerAlert[];
    expect(alerts.map((a) => [a.labels['node_id'], a.endsAt])).toEqual([
      ['n-17', new Date(later + 1_200_000).toISOString()],
      ['n-8', new Date(later + 1_200_000).toISOString()],
      ['n-3', new Date(T0).toISOString()],
    ]);
  });

  it('leaves delivered and failed Alertmanager rows alone', async () => {
    store = await backend.open();
    const cfg = config({ webhooks: [] });
    const [first] = await enqueueAlerts(
      store.db,
      { events: [], firing: [firing()] },
      { now: T0, config: cfg },
    );
    await store.db
      .updateTable('outbox')
      .set({ state: 'delivered', delivered_at: T0 })
      .where('id', '=', first!)
      .execute();
    await enqueueAlerts(store.db, { events: [], firing: [firing()] }, { now: T0 + 1, config: cfg });
    expect((await rows(store)).map((r) => r.state)).toEqual(['delivered', 'pending']);
  });
});
