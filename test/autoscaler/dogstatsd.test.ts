import { createSocket, type Socket } from 'node:dgram';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningAutoscaler, startAutoscaler } from '../../src/autoscaler/autoscaler.ts';
import { createDogStatsd } from '../../src/autoscaler/dogstatsd.ts';
import { configSchema } from '../../src/config/index.ts';
import { silentLogger } from '../../src/platform/log.ts';
import { submitted, useWorkApi } from '../coordinator/jobs/support.ts';
import { backends } from '../helpers/backends.ts';
import { RecordingDeployer } from './support.ts';

/** One DogStatsD line: `name:value|type|#tag:value,…`. */
interface Datagram {
  name: string;
  value: number;
  type: string;
  tags: Record<string, string>;
}

function parse(line: string): Datagram {
  const [head = '', type = '', ...rest] = line.split('|');
  const at = head.lastIndexOf(':');
  const tagPart = rest.find((p) => p.startsWith('#'))?.slice(1) ?? '';
  return {
    name: head.slice(0, at),
    value: Number(head.slice(at + 1)),
    type,
    tags: Object.fromEntries(
      tagPart
        .split(',')
        .filter((t) => t !== '')
        .map((t) => [t.slice(0, t.indexOf(':')), t.slice(t.indexOf(':') + 1)]),
    ),
  };
}

/** A DogStatsD agent stand-in: a real UDP socket on loopback that keeps every line it gets. */
async function listener(): Promise<{ socket: Socket; port: number; received: Datagram[] }> {
  const socket = createSocket('udp4');
  const received: Datagram[] = [];
  socket.on('message', (message) => {
    for (const line of message.toString('utf8').split('\n')) if (line !== '') received.push(parse(line));
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: socket.address().port, received };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check(), what).toBe(true);
}

// The sink does not depend on the store: SQLite is enough.
describe('the autoscaler’s DogStatsD metrics', () => {
  const api = useWorkApi(backends[0]!);
  let agent: Awaited<ReturnType<typeof listener>>;
  let autoscaler: RunningAutoscaler | undefined;
  beforeEach(async () => {
    agent = await listener();
  });
  afterEach(async () => {
    await autoscaler?.stop();
    autoscaler = undefined;
    agent.socket.close();
  });

  it('sends each decision’s counts, proposals, reason, lag and errors, tagged, and closes on stop', async () => {
    const config = configSchema.parse({
      autoscaler: {
        enabled: true,
        tick_interval_ms: 60_000,
        queue_poll_ms: 60_000,
        lease_ttl_ms: 3_000,
        dogstatsd: { port: agent.port, tags: { env: 'test' } },
        targets: [
          {
            name: 'hash-pool',
            topic: 'hash',
            max_replicas: 20,
            deployer: { kind: 'process' },
            // Read by no policy; it only fails, to be counted.
            sources: [{ name: 'bots', kind: 'redis', url: 'redis://127.0.0.1:1', key: 'bots' }],
            policies: [{ kind: 'backlog', deadline_s: 20, service_s: 1, startup_s: 2, headroom: 0 }],
          },
        ],
      },
    }).autoscaler;
    const deployer = new RecordingDeployer(new Map(), () => api().clock.now);
    autoscaler = startAutoscaler({
      store: api().store,
      queue: api().work.queue,
      config,
      registry: new Registry(),
      log: silentLogger,
      now: () => api().clock.now,
      statsd: createDogStatsd(config.dogstatsd!, { log: silentLogger }),
      deployerFor: () => deployer,
      sourceFor: () => ({
        kind: 'redis',
        read: () => Promise.reject(new Error('connection refused')),
        close: async () => {},
      }),
    });
    await until(() => autoscaler!.isLeader(), 'acting');
    await autoscaler.tickNow();
    api().clock.now += 1_000;
    for (let i = 0; i < 60; i++) await submitted(api(), 'hash', { i });
    agent.received.length = 0;

    const outcome = (await autoscaler.tickNow('hash-pool')).get('hash-pool');
    expect(outcome).toMatchObject({ kind: 'decided', reason: 'scale_up', actual: 0 });
    const desired = outcome?.kind === 'decided' ? outcome.desired : -1;
    await until(() => agent.received.length >= 6, 'six datagrams');

    const tags = { env: 'test', target: 'hash-pool' };
    const sent = (name: string) => agent.received.filter((d) => d.name === `vigil.autoscaler.${name}`);
    expect(sent('desired_replicas')).toEqual([
      {
        name: 'vigil.autoscaler.desired_replicas',
        value: desired,
        type: 'g',
        tags: expect.objectContaining(tags),
      },
    ]);
    expect(sent('actual_replicas')).toEqual([expect.objectContaining({ value: 0, type: 'g' })]);
    expect(sent('proposed_replicas')).toEqual([
      expect.objectContaining({
        value: desired,
        type: 'g',
        tags: expect.objectContaining({ ...tags, policy: 'backlog' }),
      }),
    ]);
    expect(sent('decisions')).toEqual([
      expect.objectContaining({
        value: 1,
        type: 'c',
        tags: expect.objectContaining({ ...tags, reason: 'scale_up' }),
      }),
    ]);
    expect(sent('tick_lag')).toEqual([
      expect.objectContaining({ type: 'ms', tags: expect.objectContaining({ ...tags, tick: 'interval' }) }),
    ]);
    expect(sent('tick_lag')[0]!.value).toBeGreaterThanOrEqual(0);
    expect(sent('source_errors')).toEqual([
      expect.objectContaining({
        value: 1,
        type: 'c',
        tags: expect.objectContaining({ ...tags, source: 'bots' }),
      }),
    ]);

    // A platform that cannot be read counts as a deployer error.
    deployer.failReads = true;
    await autoscaler.tickNow('hash-pool');
    await until(() => sent('deployer_errors').length === 1, 'a deployer error');
    expect(sent('deployer_errors')[0]).toMatchObject({
      value: 1,
      type: 'c',
      tags: { ...tags, deployer: 'process' },
    });

    // Stopped, the client is closed: what is sent after it goes nowhere, without throwing.
    await autoscaler.stop();
    autoscaler = undefined;
  });
});
