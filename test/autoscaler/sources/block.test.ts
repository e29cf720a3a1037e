import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BlockTickConfig, createBlockTickSource } from '../../../src/autoscaler/sources/block.ts';
import { SourceConfigError, type TickSource } from '../../../src/autoscaler/sources/source.ts';
import { freePort } from '../../cli/net.ts';
import { captureLog } from '../../helpers/capture-log.ts';
import { eventually } from '../../helpers/eventually.ts';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.ts';
import { HardhatNode, hardhat } from './hardhat-node.ts';

/**
 * The block tick source against a real local chain: Hardhat's node as a child process, its
 * blocks mined on demand. A TCP proxy in front of its WebSocket lets the test cut the
 * subscription alone (the poll over HTTP goes on); killing the node cuts both, and its restart
 * is a new chain at block 0. Every wait has a deadline; the whole file takes well under a minute.
 */
interface SeenTick {
  number: number;
  hash: string;
  via: 'websocket' | 'http';
  at: number;
}

function collect(source: TickSource): SeenTick[] {
  const ticks: SeenTick[] = [];
  source.start((tick) => {
    expect(tick.reason).toBe('block');
    const detail = tick.detail as { number: number; hash: string; via: SeenTick['via'] };
    ticks.push({ ...detail, at: tick.at });
  });
  return ticks;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('block tick source: configuration', () => {
  const refused: Array<[string, Partial<BlockTickConfig>, RegExp]> = [
    ['neither URL', {}, /block source: ws_url or http_url is required/],
    [
      'an http ws_url',
      { ws_url: 'http://127.0.0.1:8545' },
      /ws_url must start with ws:\/\/ or wss:\/\/, not http:\/\//,
    ],
    [
      'a ws http_url',
      { http_url: 'ws://127.0.0.1:8545' },
      /http_url must start with http:\/\/ or https:\/\//,
    ],
    ['a URL that is not one', { http_url: 'localhost:8545 x' }, /http_url/],
    [
      'a poll interval of zero',
      { http_url: 'http://x', poll_interval_ms: 0 },
      /poll_interval_ms must be a whole number/,
    ],
    [
      'an idle limit that is not a number',
      { ws_url: 'ws://x', ws_idle_ms: '1m' as unknown as number },
      /ws_idle_ms must be/,
    ],
    [
      'a reconnect ceiling below its start',
      { ws_url: 'ws://x', reconnect_initial_ms: 1000, reconnect_max_ms: 10 },
      /reconnect_max_ms must be ≥ reconnect_initial_ms \(1000\)/,
    ],
  ];
  it.each(refused)('refuses %s when built', (_what, change, message) => {
    const build = () => createBlockTickSource({ kind: 'block', ...change });
    expect(build).toThrow(SourceConfigError);
    expect(build).toThrow(message);
  });

  it('says once per outage that it cannot connect, never prints the path, and stops at once', async () => {
    const port = await freePort();
    const log = captureLog();
    const source = createBlockTickSource(
      {
        kind: 'block',
        // Providers put the API key in the path.
        ws_url: `ws://127.0.0.1:${port}/v3/k3y`,
        http_url: `http://127.0.0.1:${port}/v3/k3y`,
        poll_interval_ms: 20,
        reconnect_initial_ms: 10,
        reconnect_max_ms: 20,
      },
      { log },
    );
    const ticks = collect(source);
    expect(() => source.start(() => {})).toThrow('block source: already started');
    // Long enough for several failed reconnects and polls.
    await sleep(400);
    const started = Date.now();
    await source.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(ticks).toEqual([]);
    const warnings = log.entries.filter((e) => e.level === 'warn');
    expect(warnings.map((e) => e.msg)).toEqual([
      'block source: no subscription to new heads; polling eth_blockNumber until it reconnects',
      'block source: polling failed',
    ]);
    expect(warnings[0]?.fields).toMatchObject({ ws: `ws://127.0.0.1:${port}/…` });
    expect(warnings[1]?.fields).toMatchObject({ http: `http://127.0.0.1:${port}/…` });
    expect(JSON.stringify(log.entries)).not.toContain('k3y');
    await sleep(100);
    expect(log.entries).toHaveLength(2);
  });
});

describe.skipIf(hardhat.skip !== null)(
  `block tick source on a Hardhat node${hardhat.skip === null ? '' : ` (skipped: ${hardhat.skip})`}`,
  () => {
    let node: HardhatNode;
    let proxy: TcpProxy | undefined;
    const sources: TickSource[] = [];

    beforeAll(async () => {
      if (hardhat.fail !== null) throw new Error(hardhat.fail);
      node = new HardhatNode(await freePort());
      await node.start();
      proxy = await startTcpProxy({ host: '127.0.0.1', port: node.port });
    }, 40_000);

    afterAll(async () => {
      for (const source of sources) await source.stop();
      await proxy?.close();
      await node?.kill();
    });

    it('ticks once per new block over the subscription, polls while it is cut, and survives a restarted chain', async () => {
      const log = captureLog();
      const source = createBlockTickSource(
        {
          kind: 'block',
          ws_url: `ws://127.0.0.1:${proxy!.port}`,
          http_url: node.httpUrl,
          poll_interval_ms: 150,
          request_timeout_ms: 2000,
          reconnect_initial_ms: 100,
          reconnect_max_ms: 400,
        },
        { log },
      );
      sources.push(source);
      const ticks = collect(source);
      const last = () => ticks.at(-1);
      const seen = () =>
        `ticks: ${JSON.stringify(ticks)}\nlog: ${JSON.stringify(log.entries)}\nnode: ${node.log()}`;

      // The head at subscription time ticks first: the source is listening.
      const start = await node.blockNumber();
      await eventually(`the head at start; ${seen()}`, () => last()?.number === start);
      expect(last()?.via).toBe('websocket');

      // Pushed heads, one tick each, with the block's own hash.
      for (let i = 1; i <= 3; i++) {
        const number = await node.mine();
        await eventually(`block ${number} over the websocket; ${seen()}`, () => last()?.number === number);
        expect(last()).toMatchObject({ number, hash: await node.hashOf(number), via: 'websocket' });
      }

      // The WebSocket alone is cut: the poll over HTTP carries on.
      await proxy!.cut();
      const polled = await node.mine(2);
      await eventually(`block ${polled} by polling; ${seen()}`, () => last()?.number === polled, 5000);
      expect(last()).toMatchObject({ hash: await node.hashOf(polled), via: 'http' });

      // It comes back: the subscription takes over again (the poll stops).
      await proxy!.restore();
      await eventually(
        `a head over the websocket again; ${seen()}`,
        async () => {
          await node.mine();
          await sleep(250);
          return last()?.via === 'websocket';
        },
        10_000,
        0,
      );

      // The node dies and comes back as a new chain at block 0. Its first blocks have numbers
      // already ticked, and do not tick again; the first higher one does.
      const highest = last()!.number;
      const before = ticks.length;
      await node.kill();
      await sleep(500);
      await node.start();
      await node.mine(2);
      await sleep(1500);
      expect(ticks.length, seen()).toBe(before);
      await node.rpc('hardhat_mine', [`0x${(highest - 2 + 1).toString(16)}`]);
      await eventually(
        `block ${highest + 1} after the restart; ${seen()}`,
        () => last()?.number === highest + 1,
        10_000,
      );
      expect(last()?.hash).toBe(await node.hashOf(highest + 1));
      const next = await node.mine();
      await eventually(`block ${next} after the restart; ${seen()}`, () => last()?.number === next, 10_000);

      // Never twice for one number: every tick is higher than the one before.
      const numbers = ticks.map((t) => t.number);
      expect(numbers, seen()).toEqual([...numbers].sort((a, b) => a - b));
      expect(new Set(numbers).size).toBe(numbers.length);
      expect(log.entries.some((e) => e.msg === 'block source: subscribed to new heads again')).toBe(true);

      // Stopped: nothing more.
      await source.stop();
      const count = ticks.length;
      await node.mine();
      await sleep(400);
      expect(ticks.length).toBe(count);
    }, 50_000);

    it('makes a silent subscription again after ws_idle_ms, and keeps one that brings heads', async () => {
      const log = captureLog();
      const source = createBlockTickSource(
        {
          kind: 'block',
          ws_url: node.wsUrl,
          ws_idle_ms: 1000,
          reconnect_initial_ms: 50,
          reconnect_max_ms: 100,
        },
        { log },
      );
      sources.push(source);
      const ticks = collect(source);
      const head = await node.blockNumber();
      await eventually('the head at start', () => ticks.at(-1)?.number === head, 5000);

      // A head every 100 ms or so: the subscription is never idle for a second, even on a busy machine.
      for (let i = 0; i < 8; i++) {
        await node.mine();
        await sleep(100);
      }
      expect(log.entries.filter((e) => e.level === 'warn')).toEqual([]);

      // No blocks: dropped, said once, subscribed again, and still ticking.
      await eventually(
        'the idle subscription made again',
        () => log.entries.some((e) => e.msg === 'block source: subscribed to new heads again'),
        5000,
      );
      expect(log.entries[0]).toMatchObject({
        level: 'warn',
        msg: 'block source: no subscription to new heads; no ticks until it reconnects',
        fields: { reason: 'no head for 1000 ms' },
      });
      const number = await node.mine();
      await eventually(`block ${number}`, () => ticks.at(-1)?.number === number, 5000);
      expect(ticks.at(-1)?.via).toBe('websocket');
      await source.stop();
    });

    it('polls eth_blockNumber over HTTP when no WebSocket is given', async () => {
      const source = createBlockTickSource({ kind: 'block', http_url: node.httpUrl, poll_interval_ms: 100 });
      sources.push(source);
      const ticks = collect(source);
      const head = await node.blockNumber();
      await eventually('the head at start', () => ticks.at(-1)?.number === head, 5000);
      const number = await node.mine(3);
      await eventually(`block ${number}`, () => ticks.at(-1)?.number === number, 5000);
      expect(ticks.at(-1)).toMatchObject({ hash: await node.hashOf(number), via: 'http' });
      expect(ticks.every((t) => t.via === 'http')).toBe(true);
      await source.stop();
    });
  },
);
