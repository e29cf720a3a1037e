import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type AgentServer, startAgentServer } from '../../src/agent/server.ts';
import { createStatusSource, type StatusDocument } from '../../src/agent/status.ts';
import { closedPort, type LocalServer, sendJson, serve } from '../helpers/http.ts';
import { tempDirs } from '../helpers/temp-dirs.ts';
import { containerSummary, startFakeDocker } from './support/fake-docker.ts';

describe('agent /status', () => {
  const dirs = tempDirs();
  const closers: Array<LocalServer | AgentServer> = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((s) => s.close()));
    dirs.cleanup();
  });

  async function statusOf(source: ReturnType<typeof createStatusSource>) {
    const server = await startAgentServer({
      host: '127.0.0.1',
      port: 0,
      status: source,
      registry: new Registry(),
    });
    closers.push(server);
    const res = await fetch(`${server.url}/status`);
    return { code: res.status, body: (await res.json()) as StatusDocument };
  }

  it('runs the configured checks: ok when all pass, degraded with the failing one named', async () => {
    const healthy = await serve((_req, res) => sendJson(res, 200, {}));
    const failing = await serve((_req, res) => sendJson(res, 503, {}));
    closers.push(healthy, failing);
    const ok = await statusOf(
      createStatusSource({ nodeId: 'n1', checks: [{ name: 'api', url: healthy.url }], dockerSocket: null }),
    );
    expect(ok.code).toBe(200);
    expect(ok.body).toMatchObject({ node_id: 'n1', status: 'ok', containers: null });
    expect(ok.body.checks).toEqual([
      { name: 'api', ok: true, detail: expect.stringMatching(/^HTTP 200 in /) },
    ]);
    expect(Date.parse(ok.body.at)).not.toBeNaN();

    const refused = await closedPort();
    const degraded = await statusOf(
      createStatusSource({
        nodeId: 'n1',
        checks: [
          { name: 'api', url: healthy.url },
          { name: 'db', url: failing.url },
          { name: 'cache', url: `http://127.0.0.1:${refused}/` },
        ],
        dockerSocket: join(dirs.make(), 'no-such.sock'),
      }),
    );
    expect(degraded.body.status).toBe('degraded');
    expect(degraded.body.containers).toBeNull();
    expect(degraded.body.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([
      ['api', true],
      ['db', false],
      ['cache', false],
    ]);
    expect(degraded.body.checks[2]!.detail).toBe('ECONNREFUSED');
  });

  it('reads containers from the Docker Engine API socket (a faithful fake on a unix socket)', async () => {
    const dir = dirs.make();
    const docker = await startFakeDocker(dir, [
      containerSummary('web', 'running', 'Up 3 hours (healthy)'),
      containerSummary('worker', 'running', 'Up 5 minutes'),
    ]);
    closers.push(docker);
    const ok = await statusOf(createStatusSource({ nodeId: 'n2', checks: [], dockerSocket: docker.socket }));
    expect(ok.body.status).toBe('ok');
    expect(ok.body.containers).toEqual([
      { id: 'web000000000', name: 'web', state: 'running', health: 'healthy' },
      { id: 'worker000000', name: 'worker', state: 'running', health: null },
    ]);
  });

  it('is degraded when a container is unhealthy, starting or restarting, or Docker fails', async () => {
    const cases: Array<[object, string | null]> = [
      [containerSummary('a', 'running', 'Up 1 hour (unhealthy)'), 'unhealthy'],
      [containerSummary('b', 'running', 'Up 2 seconds (health: starting)'), 'starting'],
      [containerSummary('c', 'restarting', 'Restarting (1) 3 seconds ago'), null],
      // Newer engines put the health in the summary itself.
      [containerSummary('d', 'running', 'Up 1 hour', 'unhealthy'), 'unhealthy'],
    ];
    for (const [summary, health] of cases) {
      const docker = await startFakeDocker(dirs.make(), [summary]);
      closers.push(docker);
      const { body } = await statusOf(
        createStatusSource({ nodeId: 'n3', checks: [], dockerSocket: docker.socket }),
      );
      expect(body.status).toBe('degraded');
      expect(body.containers![0]!.health).toBe(health);
    }

    // A socket that is there but is not a Docker engine.
    const dir = dirs.make();
    const wrong = await serve((_req, res) => sendJson(res, 404, { message: 'page not found' }), {
      path: join(dir, 'docker.sock'),
    });
    closers.push(wrong);
    const { body } = await statusOf(
      createStatusSource({ nodeId: 'n4', checks: [], dockerSocket: join(dir, 'docker.sock') }),
    );
    expect(body).toMatchObject({ status: 'degraded', containers: null });
    expect(body.checks[0]).toMatchObject({ name: 'docker', ok: false });
    expect(body.checks[0]!.detail).toMatch(/Docker answered 404/);
  });

  it('serves Prometheus text on /metrics and problem+json elsewhere', async () => {
    const registry = new Registry();
    const server = await startAgentServer({
      host: '127.0.0.1',
      port: 0,
      status: createStatusSource({ nodeId: 'n', checks: [], dockerSocket: null }),
      registry,
    });
    closers.push(server);
    const metrics = await fetch(`${server.url}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const missing = await fetch(`${server.url}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect((await fetch(`${server.url}/status`, { method: 'POST' })).status).toBe(405);
  });
});
