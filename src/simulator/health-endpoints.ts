import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Listening, listen } from '../platform/listen.ts';
import { type FaultSchedule, isBad, type NodeProfile } from './profiles.ts';

export interface HealthEndpoints {
  /** Node id → the URL its peers probe, e.g. http://127.0.0.1:41234/health. */
  urls: ReadonlyMap<string, string>;
  close(): Promise<void>;
}

/** How long a slow node's health endpoint takes while it is bad: well above the latency allowance. */
const SLOW_HEALTH_MS = 400;

/**
 * A real health endpoint per simulated node on loopback, following the node's fault profile:
 * a flapping node answers 503 while it is bad, a slow one answers late. Peers' agents probe
 * these, so peer-observed uptime and latency in an epoch's settlement reflect the profile.
 */
export async function startHealthEndpoints(
  profiles: readonly NodeProfile[],
  schedule: FaultSchedule,
  startedAt: number,
  now: () => number = Date.now,
): Promise<HealthEndpoints> {
  const servers: Listening[] = [];
  const urls = new Map<string, string>();
  for (const profile of profiles) {
    const server = createServer((req, res) => {
      const bad = isBad(profile, schedule, now() - startedAt);
      const answer = () => {
        const down = bad && profile.fault === 'flapping';
        res.writeHead(down ? 503 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: down ? 'down' : 'ok', node_id: profile.nodeId }));
      };
      if (req.url !== '/health') {
        res.writeHead(404).end();
        return;
      }
      if (bad && profile.fault === 'slow') void sleep(SLOW_HEALTH_MS).then(answer);
      else answer();
    });
    server.keepAliveTimeout = 30_000;
    const listening = await listen(server, 0, '127.0.0.1');
    servers.push(listening);
    urls.set(profile.nodeId, `${listening.url}/health`);
  }
  return {
    urls,
    async close() {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
