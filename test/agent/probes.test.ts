import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProbeAgents,
  planTarget,
  probeHttp,
  probeStatus,
  probeTarget,
  probeTcp,
  tcpAddressOf,
} from '../../src/agent/probes/index.ts';
import { closedPort, type LocalServer, sendJson, serve } from '../helpers/http.ts';

describe('probes against loopback servers', () => {
  let server: LocalServer;
  let refused: number;
  const agents = createProbeAgents();

  beforeAll(async () => {
    server = await serve((req, res) => {
      switch (req.url) {
        case '/ok':
          return sendJson(res, 200, { fine: true });
        case '/redirect':
          res.writeHead(302, { location: '/ok' });
          return res.end();
        case '/broken':
          return sendJson(res, 500, { error: 'broken' });
        case '/missing':
          return sendJson(res, 404, {});
        case '/slow':
        case '/slow/status':
          return; // never answers
        case '/ok/status':
          return sendJson(res, 200, { node_id: 'a', status: 'ok', checks: [], containers: null });
        case '/degraded/status':
          return sendJson(res, 200, { node_id: 'a', status: 'degraded', checks: [], containers: null });
        case '/failing/status':
          return sendJson(res, 503, { status: 'ok' });
        case '/garbled/status':
          res.writeHead(200, { 'content-type': 'text/plain' });
          return res.end('fine, thanks');
        default:
          return sendJson(res, 404, {});
      }
    });
    refused = await closedPort();
  });
  afterAll(async () => {
    agents.close();
    await server.close();
  });

  it('HTTP: 2xx and 3xx are up with a float latency, with or without kept-alive connections', async () => {
    for (const options of [{}, { agents }]) {
      const ok = await probeHttp(`${server.url}/ok`, 2000, options);
      expect(ok).toMatchObject({ up: true, reason: null });
      expect(typeof ok.latency_ms).toBe('number');
      expect(ok.latency_ms).toBeGreaterThan(0);
      expect((await probeHttp(`${server.url}/redirect`, 2000, options)).up).toBe(true);
    }
    // The same connection serves the next probe: the pool holds it between probes.
    await probeHttp(`${server.url}/ok`, 2000, { agents });
    expect(Object.values(agents.http.freeSockets).flat().length).toBeGreaterThan(0);
  });

  it('HTTP: 5xx, 4xx, a timeout and a refused port are down with a reason', async () => {
    expect(await probeHttp(`${server.url}/broken`, 2000, { agents })).toMatchObject({
      up: false,
      reason: 'HTTP 500',
    });
    expect(await probeHttp(`${server.url}/missing`, 2000)).toMatchObject({ up: false, reason: 'HTTP 404' });
    expect(await probeHttp(`${server.url}/slow`, 100, { agents })).toEqual({
      up: false,
      latency_ms: null,
      reason: 'timeout after 100 ms',
    });
    expect(await probeHttp(`http://127.0.0.1:${refused}/`, 2000, { agents })).toEqual({
      up: false,
      latency_ms: null,
      reason: 'ECONNREFUSED',
    });
    expect((await probeHttp('ftp://127.0.0.1/', 2000)).reason).toMatch(/not an http/);
  });

  it('TCP: connect latency when the port accepts, the error when it does not', async () => {
    const up = await probeTcp('127.0.0.1', server.port, 2000);
    expect(up.up).toBe(true);
    expect(up.latency_ms).toBeGreaterThan(0);
    expect(await probeTcp('127.0.0.1', refused, 2000)).toEqual({
      up: false,
      latency_ms: null,
      reason: 'ECONNREFUSED',
    });
    expect(tcpAddressOf('https://example.test/x')).toEqual({ host: 'example.test', port: 443 });
    expect(tcpAddressOf('http://[::1]:81/')).toEqual({ host: '::1', port: 81 });
  });

  it('status: up only for 200 with status "ok"', async () => {
    expect(await probeStatus(`${server.url}/ok/`, 2000, { agents })).toMatchObject({ up: true });
    expect(await probeStatus(`${server.url}/degraded`, 2000)).toMatchObject({
      up: false,
      reason: 'status degraded',
    });
    expect(await probeStatus(`${server.url}/failing`, 2000)).toMatchObject({ up: false, reason: 'HTTP 503' });
    expect(await probeStatus(`${server.url}/garbled`, 2000)).toMatchObject({
      up: false,
      reason: 'status answer is not JSON',
    });
    expect(await probeStatus(`${server.url}/slow`, 100)).toMatchObject({
      up: false,
      reason: 'timeout after 100 ms',
    });
  });

  it('a target is up only when all its probes are; latency is the HTTP probe’s', async () => {
    const healthy = { node_id: 'a', endpoint: `${server.url}/ok`, agent_url: `${server.url}/ok` };
    const plan = planTarget(healthy);
    expect(plan.http?.href).toBe(`${server.url}/ok`);
    expect(plan.tcp).toEqual({ host: '127.0.0.1', port: server.port });
    expect(plan.status?.href).toBe(`${server.url}/ok/status`);
    const up = await probeTarget(plan, 2000, { agents });
    expect(up).toMatchObject({ up: true, reason: null });
    expect(up.latency_ms).toBeGreaterThan(0);

    const degraded = await probeTarget({ ...healthy, agent_url: `${server.url}/degraded` }, 2000, { agents });
    expect(degraded).toMatchObject({ up: false, reason: 'status: status degraded' });
    expect(degraded.latency_ms).toBeGreaterThan(0);

    const tcpOnly = await probeTarget({ ...healthy, agent_url: null }, 2000, { kinds: ['tcp'] });
    expect(tcpOnly.up).toBe(true);
    expect(tcpOnly.latency_ms).toBeGreaterThan(0);

    const statusOnly = await probeTarget(
      { node_id: 'b', endpoint: null, agent_url: `${server.url}/ok` },
      2000,
    );
    expect(statusOnly.up).toBe(true);

    expect(await probeTarget({ node_id: 'c', endpoint: null, agent_url: null }, 2000)).toMatchObject({
      up: false,
      reason: 'no endpoint or agent_url to probe',
    });
    const down = await probeTarget(
      { node_id: 'd', endpoint: `http://127.0.0.1:${refused}/`, agent_url: null },
      2000,
    );
    expect(down).toMatchObject({ up: false, reason: 'http: ECONNREFUSED; tcp: ECONNREFUSED' });
  });
});
