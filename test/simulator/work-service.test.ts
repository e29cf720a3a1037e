import { afterEach, describe, expect, it } from 'vitest';
import { createWorkService, type WorkService, wordFrequencies } from '../../src/simulator/work-service.ts';
import { createAdapter } from '../../src/worker/adapters/index.ts';

const services: WorkService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});

async function started(options: Parameters<typeof createWorkService>[0] = {}) {
  const service = createWorkService(options);
  services.push(service);
  return { service, url: await service.start() };
}

const post = (url: string, body: string) =>
  fetch(`${url}/wordfreq`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(5000),
  });

describe('wordFrequencies', () => {
  it('counts words case-folded and gives the top five, ties alphabetical', () => {
    expect(wordFrequencies('The cat and the hat. THE end; a cat? Don’t stop, don’t!')).toEqual({
      words: 12,
      top: [
        ['the', 3],
        ['cat', 2],
        ['don’t', 2],
        ['a', 1],
        ['and', 1],
      ],
    });
    expect(wordFrequencies('  ...  ')).toEqual({ words: 0, top: [] });
    expect(wordFrequencies('Zürich zürich 42')).toEqual({
      words: 3,
      top: [
        ['zürich', 2],
        ['42', 1],
      ],
    });
  });
});

describe('work service', () => {
  it('answers POST /wordfreq on loopback, and the http adapter gets the result', async () => {
    const { service, url } = await started();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const adapter = createAdapter({ kind: 'http', url: `${url}/wordfreq`, headers: {} }, { baseDir: '/' });
    try {
      expect(
        await adapter.run({ text: 'b a b' }, { signal: AbortSignal.timeout(5000), timeoutMs: 5000 }),
      ).toEqual({
        ok: true,
        result: {
          words: 3,
          top: [
            ['b', 2],
            ['a', 1],
          ],
        },
      });
    } finally {
      await adapter.close();
    }
    expect(service.stats()).toEqual({ answered: 1, injectedFailures: 0, refused: 0 });
  });

  it('refuses bad requests with 4xx problems', async () => {
    const { service, url } = await started({ maxBodyBytes: 100 });
    expect((await post(url, 'not json')).status).toBe(400);
    expect((await post(url, '{"words":"x"}')).status).toBe(400);
    expect((await post(url, JSON.stringify({ text: 'x'.repeat(200) }))).status).toBe(413);
    expect((await fetch(`${url}/nope`, { signal: AbortSignal.timeout(5000) })).status).toBe(404);
    const wrongMethod = await fetch(`${url}/wordfreq`, { signal: AbortSignal.timeout(5000) });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('content-type')).toBe('application/problem+json');
    expect(service.stats().refused).toBe(5);
  });

  it('fails the share of requests its failRate says, with 503 the http adapter retries', async () => {
    const draws = [0.1, 0.9, 0.29, 0.3];
    const { service, url } = await started({
      faults: { failRate: 0.3, slowMs: 0 },
      random: () => draws.shift() ?? 1,
    });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(url, '{"text":"a"}')).status);
    expect(statuses).toEqual([503, 200, 503, 200]);
    expect(service.stats()).toEqual({ answered: 2, injectedFailures: 2, refused: 0 });

    const adapter = createAdapter({ kind: 'http', url: `${url}/wordfreq`, headers: {} }, { baseDir: '/' });
    draws.push(0);
    const outcome = await adapter.run({ text: 'a' }, { signal: AbortSignal.timeout(5000), timeoutMs: 5000 });
    await adapter.close();
    expect(outcome).toMatchObject({ ok: false, error: { code: 'http-5xx', retryable: true } });
  });

  it('reads its faults per request, so a node can flap, and slowMs delays past an adapter timeout', async () => {
    let faults = { failRate: 0, slowMs: 0 };
    const { url } = await started({ faults: () => faults });
    const adapter = createAdapter({ kind: 'http', url: `${url}/wordfreq`, headers: {} }, { baseDir: '/' });
    try {
      const run = () => adapter.run({ text: 'a' }, { signal: AbortSignal.timeout(5000), timeoutMs: 200 });
      expect((await run()).ok).toBe(true);
      faults = { failRate: 0, slowMs: 1000 };
      expect(await run()).toMatchObject({ ok: false, error: { code: 'timeout' } });
      faults = { failRate: 1, slowMs: 0 };
      expect(await run()).toMatchObject({ ok: false, error: { code: 'http-5xx' } });
    } finally {
      await adapter.close();
    }
  });

  it('start is idempotent and close frees the port', async () => {
    const { service, url } = await started();
    expect(await service.start()).toBe(url);
    await service.close();
    await expect(post(url, '{"text":"a"}')).rejects.toThrow();
    await service.close();
  });
});
