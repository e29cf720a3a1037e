import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createLoadGenerator,
  cycleFactor,
  type LoadGeneratorOptions,
  payloadGenerators,
  type TenantLoad,
} from '../../src/simulator/load-generator.ts';
import { seededRandom } from '../../src/simulator/profiles.ts';
import { wordFrequencies } from '../../src/simulator/work-service.ts';
import { createAdapter } from '../../src/worker/adapters/index.ts';

interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: { topic: string; payload: unknown; idempotency_key: string; tenant_id: string };
}

/** A stand-in coordinator that records every request and answers as the test says. */
let server: Server;
let url: string;
let requests: Recorded[];
let respond: (req: Recorded, res: ServerResponse) => void;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const recorded: Recorded = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body: JSON.parse(Buffer.concat(chunks).toString()),
    };
    requests.push(recorded);
    respond(recorded, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  requests = [];
  respond = (_req, res) =>
    res.writeHead(201, { 'content-type': 'application/json' }).end('{"status":"queued"}');
});

const tenantA: TenantLoad = {
  tenantId: 'tenant-a',
  topics: [
    { topic: 'hash', payload: 'sha256-chain' },
    { topic: 'primes', payload: 'primes' },
  ],
  ratePerSecond: 4,
};

function generator(tenants: TenantLoad[], clock: { ms: number }, extra: Partial<LoadGeneratorOptions> = {}) {
  return createLoadGenerator({
    coordinatorUrl: url,
    apiKey: 'operator-key',
    tenants,
    now: () => clock.ms,
    random: seededRandom(7),
    runId: 'run1',
    ...extra,
  });
}

describe('load generator', () => {
  it('follows a daily cycle: more by day than by night, less at the weekend', async () => {
    const day = 24_000;
    const cycle = { dayMs: day, amplitude: 0.8, weekend: 0.5 };
    expect(cycleFactor(cycle, day / 4)).toBeCloseTo(1.8);
    expect(cycleFactor(cycle, (3 * day) / 4)).toBeCloseTo(0.2);
    expect(cycleFactor(cycle, 5 * day + day / 4)).toBeCloseTo(0.9);
    expect(cycleFactor(undefined, 123)).toBe(1);
    // A tenant of 10 a second over the day's busiest and quietest sixths.
    const count = async (from: number) => {
      const clock = { ms: from };
      const load = generator([{ ...tenantA, ratePerSecond: 10, cycle }], clock, { maxInFlight: 1000 });
      const before = requests.length;
      for (; clock.ms <= from + day / 6; clock.ms += 100) load.tick();
      await load.idle();
      return requests.length - before;
    };
    const busy = await count(day / 4 - day / 12);
    const quiet = await count((3 * day) / 4 - day / 12);
    expect(busy).toBeGreaterThan(60);
    expect(quiet).toBeLessThan(20);
  });

  it('submits at the steady rate as the clock moves, as the operator naming each tenant', async () => {
    const clock = { ms: 0 };
    const load = generator([tenantA, { ...tenantA, tenantId: 'tenant-b', ratePerSecond: 1 }], clock);
    load.tick();
    await load.idle();
    expect(requests).toHaveLength(2);
    clock.ms = 1000;
    load.tick();
    await load.idle();
    // tenant-a: 250, 500, 750, 1000; tenant-b: 1000.
    expect(requests).toHaveLength(7);
    expect(requests.filter((r) => r.body.tenant_id === 'tenant-a')).toHaveLength(5);
    for (const r of requests) {
      expect(r.method).toBe('POST');
      expect(r.path).toBe('/jobs');
      expect(r.headers.authorization).toBe('Bearer operator-key');
      expect(r.headers['content-type']).toBe('application/json');
      expect(['hash', 'primes']).toContain(r.body.topic);
      expect(r.body.idempotency_key).toMatch(/^run1-\d+$/);
    }
    expect(new Set(requests.map((r) => r.body.idempotency_key)).size).toBe(7);
    expect(load.stats().tenants).toEqual({
      'tenant-a': { submitted: 5, duplicates: 0, refused: 0, errors: 0, skipped: 0 },
      'tenant-b': { submitted: 2, duplicates: 0, refused: 0, errors: 0, skipped: 0 },
    });
  });

  it('gives each topic the payload its adapter takes', async () => {
    const clock = { ms: 0 };
    const load = generator([{ ...tenantA, ratePerSecond: 50 }], clock);
    load.tick();
    clock.ms = 1000;
    load.tick();
    await load.idle();
    const byTopic = (topic: string) =>
      requests.filter((r) => r.body.topic === topic).map((r) => r.body.payload);
    expect(byTopic('hash').length).toBeGreaterThan(5);
    expect(byTopic('primes').length).toBeGreaterThan(5);
    for (const p of byTopic('hash') as { data: unknown; rounds: number }[]) {
      expect(typeof p.data).toBe('string');
      expect(Number.isInteger(p.rounds) && p.rounds >= 1 && p.rounds <= 100_000).toBe(true);
    }
    for (const p of byTopic('primes') as { below: number }[])
      expect(Number.isInteger(p.below) && p.below >= 0 && p.below <= 2_000_000).toBe(true);
  });

  it('makes payloads the example adapters and the work service accept', async () => {
    const random = seededRandom(3);
    const examples = fileURLToPath(new URL('../../examples/adapters/', import.meta.url));
    const run = { signal: AbortSignal.timeout(10_000), timeoutMs: 10_000 };
    const hash = createAdapter(
      { kind: 'command', command: process.execPath, args: ['sha256-chain.mjs'], env: {}, cwd: null },
      { baseDir: examples },
    );
    const primes = createAdapter(
      { kind: 'module', path: 'primes.mjs', export: 'default' },
      { baseDir: examples },
    );
    expect((await hash.run(payloadGenerators['sha256-chain'](random), run)).ok).toBe(true);
    expect((await primes.run(payloadGenerators.primes(random), run)).ok).toBe(true);
    const { text } = payloadGenerators.wordfreq(random) as { text: string };
    expect(wordFrequencies(text).words).toBeGreaterThanOrEqual(20);
  });

  it('sends a burst every period on top of the rate, and does not make up missed bursts', async () => {
    const clock = { ms: 0 };
    const load = generator([{ ...tenantA, ratePerSecond: 0, burstEveryMs: 1000, burstSize: 5 }], clock);
    const sentAt = async (ms: number) => {
      clock.ms = ms;
      const before = requests.length;
      load.tick();
      await load.idle();
      return requests.length - before;
    };
    expect(await sentAt(0)).toBe(0);
    expect(await sentAt(999)).toBe(0);
    expect(await sentAt(1000)).toBe(5);
    expect(await sentAt(1500)).toBe(0);
    expect(await sentAt(3500)).toBe(5);
    expect(await sentAt(3999)).toBe(0);
    expect(await sentAt(4000)).toBe(5);
  });

  it('after a stall sends at most a second’s worth, not the whole gap', async () => {
    const clock = { ms: 0 };
    const load = generator([{ ...tenantA, ratePerSecond: 2 }], clock);
    load.tick();
    clock.ms = 60_000;
    load.tick();
    clock.ms = 60_100;
    load.tick();
    await load.idle();
    expect(requests).toHaveLength(3);
  });

  it('counts 201 submitted, 200 duplicate, 4xx refused; retries a 5xx once with the same key', async () => {
    const answers = [201, 200, 422, 500, 500, 503, 201];
    respond = (_req, res) => res.writeHead(answers.shift() ?? 201).end('{"title":"nope"}');
    const clock = { ms: 0 };
    const warnings: unknown[] = [];
    const load = generator([{ ...tenantA, ratePerSecond: 0, burstEveryMs: 10, burstSize: 1 }], clock, {
      log: { warn: (obj) => warnings.push(obj) },
    });
    // The first tick starts the burst clock; bursts follow at 10, 20, … ms after it.
    for (const ms of [0, 10, 20, 30, 40, 50]) {
      clock.ms = ms;
      load.tick();
      await load.idle();
    }
    expect(load.stats().tenants['tenant-a']).toEqual({
      submitted: 2,
      duplicates: 1,
      refused: 2,
      errors: 0,
      skipped: 0,
    });
    const keys = requests.map((r) => r.body.idempotency_key);
    expect(keys[3]).toBe(keys[4]);
    expect(keys[5]).toBe(keys[6]);
    expect(keys[2]).not.toBe(keys[3]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatchObject({ tenant: 'tenant-a', status: 422 });
  });

  it('counts errors when the coordinator does not answer, after one retry', async () => {
    const calls: string[] = [];
    const failing: typeof fetch = async (input) => {
      calls.push(String(input));
      throw new TypeError('fetch failed');
    };
    const clock = { ms: 0 };
    const load = generator([{ ...tenantA, ratePerSecond: 1 }], clock, { fetch: failing });
    load.tick();
    await load.idle();
    expect(calls).toEqual([`${url}/jobs`, `${url}/jobs`]);
    expect(load.stats().tenants['tenant-a']).toMatchObject({ errors: 1, submitted: 0 });
  });

  it('keeps at most maxInFlight submissions pending and skips the rest', async () => {
    const held: ServerResponse[] = [];
    respond = (_req, res) => held.push(res);
    const clock = { ms: 0 };
    const load = generator([{ ...tenantA, ratePerSecond: 0, burstEveryMs: 100, burstSize: 5 }], clock, {
      maxInFlight: 2,
    });
    load.tick();
    clock.ms = 100;
    load.tick();
    expect(load.stats()).toMatchObject({ inFlight: 2, tenants: { 'tenant-a': { skipped: 3 } } });
    const until = Date.now() + 5000;
    while (held.length < 2 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
    for (const res of held) res.writeHead(201).end('{}');
    await load.idle();
    expect(load.stats()).toMatchObject({
      inFlight: 0,
      tenants: { 'tenant-a': { submitted: 2, skipped: 3 } },
    });
  });

  it('ticks on its own once started, and stop aborts what is pending and ends the ticking', async () => {
    const load = createLoadGenerator({
      coordinatorUrl: url,
      apiKey: 'k',
      tenants: [{ ...tenantA, ratePerSecond: 200 }],
      tickMs: 5,
    });
    load.start();
    const until = Date.now() + 5000;
    while (requests.length < 3 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(requests.length).toBeGreaterThanOrEqual(3);
    respond = () => {}; // never answers: stop must not wait for the request timeout
    await load.stop();
    // A request sent just before the stop may still reach the server; after that, none.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const after = requests.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(requests.length).toBe(after);
    expect(load.stats().inFlight).toBe(0);
    load.tick();
    expect(load.stats().inFlight).toBe(0);
  });
});
