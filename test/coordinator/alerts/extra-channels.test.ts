import { afterEach, expect, it } from 'vitest';
import type { AlertsConfig } from '../../../src/coordinator/alerts/config.ts';
import {
  type ChannelSend,
  createAlertDispatcher,
  type ExtraChannels,
} from '../../../src/coordinator/alerts/dispatcher.ts';
import { ALERTS_STREAM } from '../../../src/coordinator/alerts/outbox.ts';
import { enqueueDeliveries, listDeliveries } from '../../../src/store/repositories/outbox.ts';
import type { Store } from '../../../src/store/store.ts';
import { describeEachBackend } from '../../helpers/backends.ts';

const T0 = Date.UTC(2026, 10, 1);
const quiet = () => {};
const log = { debug: quiet, info: quiet, warn: quiet, error: quiet };

const config: AlertsConfig = {
  webhooks: [],
  alertmanager_url: null,
  timeout_ms: 1000,
  max_attempts: 3,
  initial_backoff_ms: 10,
  max_backoff_ms: 10,
  dispatch_interval_ms: 10,
};

describeEachBackend('alert dispatcher: channels the configuration does not list', (backend) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  async function setup(extraChannels: ExtraChannels) {
    store = await backend.open();
    await enqueueDeliveries(
      store.db,
      ALERTS_STREAM,
      [
        { channel: 'email:0123456789', payload: '{"subject":"s","text":"t"}' },
        { channel: 'webhook:gone.example:abcdef0123', payload: '{}' },
      ],
      T0,
    );
    return createAlertDispatcher({ store, config, log, now: () => T0, extraChannels });
  }

  it('sends through the senders the lookup finds, once per pass, and fails rows of channels it no longer knows', async () => {
    const sent: string[] = [];
    const asked: string[][] = [];
    const email: ChannelSend = async (payload) => {
      sent.push(payload);
      return { kind: 'delivered', status: 250 };
    };
    const dispatcher = await setup(async (names) => {
      asked.push([...names]);
      return new Map([['email:0123456789', email]]);
    });
    expect(await dispatcher.runOnce()).toEqual({ delivered: 1, retried: 0, failed: 1 });
    expect(asked.map((names) => names.sort())).toEqual([
      ['email:0123456789', 'webhook:gone.example:abcdef0123'],
    ]);
    expect(sent).toEqual(['{"subject":"s","text":"t"}']);
    // Rows written together have the same time; their order is not the point here.
    const rows = (await listDeliveries((store as Store).db, ALERTS_STREAM)).sort((a, b) =>
      a.channel.localeCompare(b.channel),
    );
    expect(rows.map((r) => [r.channel, r.state, r.last_error])).toEqual([
      ['email:0123456789', 'delivered', null],
      [
        'webhook:gone.example:abcdef0123',
        'failed',
        'channel webhook:gone.example:abcdef0123 is no longer configured',
      ],
    ]);
  });

  it('leaves the rows untouched when the lookup fails (the store is down), to try again next pass', async () => {
    const dispatcher = await setup(async () => {
      throw new Error('connection terminated');
    });
    expect(await dispatcher.runOnce()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    const rows = await listDeliveries((store as Store).db, ALERTS_STREAM);
    expect(rows.map((r) => [r.state, r.attempts])).toEqual([
      ['pending', 0],
      ['pending', 0],
    ]);
  });
});
