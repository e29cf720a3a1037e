import { afterEach, describe, expect, it } from 'vitest';
import { createReferenceGate } from '../../src/agent/probes/index.ts';
import { closedPort, type LocalServer, sendJson, serve } from '../helpers/http.ts';

describe('reference gate', () => {
  const servers: LocalServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function reference(status: number) {
    let hits = 0;
    const s = await serve((_req, res) => {
      hits++;
      sendJson(res, status, {});
    });
    servers.push(s);
    return { url: s.url, hits: () => hits };
  }

  it('is healthy when any reference answers, whatever the status', async () => {
    const down = `http://127.0.0.1:${await closedPort()}/`;
    const answering = await reference(503);
    const gate = createReferenceGate({ urls: [down, answering.url], timeoutMs: 1000 });
    expect(await gate.healthy()).toBe(true);
  });

  it('is unhealthy when no reference answers, and says so once per change', async () => {
    const changes: Array<[boolean, string]> = [];
    let clock = 1_000_000;
    const port = await closedPort();
    const gate = createReferenceGate({
      urls: [`http://127.0.0.1:${port}/healthz`],
      timeoutMs: 1000,
      cacheMs: 5000,
      now: () => clock,
      onChange: (healthy, detail) => changes.push([healthy, detail]),
    });
    expect(await gate.healthy()).toBe(false);
    clock += 6000;
    expect(await gate.healthy()).toBe(false);
    expect(changes).toEqual([[false, `http://127.0.0.1:${port}/healthz: ECONNREFUSED`]]);
  });

  it('answers a burst of callers with one check, and checks again once the answer is stale', async () => {
    const ref = await reference(200);
    let clock = 1_000_000;
    const gate = createReferenceGate({ urls: [ref.url], timeoutMs: 1000, cacheMs: 5000, now: () => clock });
    const answers = await Promise.all(Array.from({ length: 20 }, () => gate.healthy()));
    expect(answers.every(Boolean)).toBe(true);
    expect(await gate.healthy()).toBe(true);
    expect(ref.hits()).toBe(1);
    clock += 5000;
    await gate.healthy();
    expect(ref.hits()).toBe(2);
  });

  it('with no references configured, never discards', async () => {
    expect(await createReferenceGate({ urls: [], timeoutMs: 1000 }).healthy()).toBe(true);
  });
});
