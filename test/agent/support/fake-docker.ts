import { join } from 'node:path';
import { type LocalServer, sendJson, serve } from '../../helpers/http.ts';

/**
 * A stand-in for the Docker Engine API on a unix socket, answering `GET /containers/json`
 * (optionally version-prefixed, as the engine accepts) with ContainerSummary objects shaped
 * as the engine's API reference documents them, the `Api-Version` header the engine sends,
 * and its `{"message": …}` error body for anything else.
 */
export async function startFakeDocker(
  dir: string,
  containers: object[],
): Promise<LocalServer & { socket: string }> {
  const socket = join(dir, 'docker.sock');
  const server = await serve(
    (req, res) => {
      res.setHeader('api-version', '1.45');
      res.setHeader('server', 'Docker/26.1.0 (linux)');
      const path = (req.url ?? '').split('?')[0]!.replace(/^\/v1\.\d+/, '');
      if (req.method === 'GET' && path === '/containers/json') return sendJson(res, 200, containers);
      return sendJson(res, 404, { message: 'page not found' });
    },
    { path: socket },
  );
  return { ...server, socket };
}

/** A ContainerSummary as `docker ps` sees it; `status` is the human line, e.g. "Up 3 hours (healthy)". */
export function containerSummary(name: string, state: string, status: string, health?: string) {
  const id = `${name.padEnd(12, '0')}`.replace(/[^0-9a-z]/g, '0') + 'f'.repeat(52);
  return {
    Id: id,
    Names: [`/${name}`],
    Image: `${name}:latest`,
    ImageID: `sha256:${'a'.repeat(64)}`,
    Command: '/entrypoint.sh',
    Created: 1_700_000_000,
    Ports: [],
    Labels: {},
    State: state,
    Status: status,
    HostConfig: { NetworkMode: 'bridge' },
    NetworkSettings: { Networks: {} },
    Mounts: [],
    ...(health === undefined ? {} : { Health: { Status: health, FailingStreak: 0 } }),
  };
}
