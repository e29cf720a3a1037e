import { request } from 'node:http';

/** A container as /status reports it. */
export interface ContainerStatus {
  id: string;
  name: string;
  /** Docker's State: running, restarting, paused, exited… */
  state: string;
  /** healthy, unhealthy or starting when the container has a health check; null otherwise. */
  health: string | null;
}

/** The members of Docker Engine API's ContainerSummary that /status reads. */
interface ContainerSummary {
  Id?: string;
  Names?: string[];
  State?: string;
  Status?: string;
  Health?: { Status?: string } | null;
}

const HEALTH_IN_STATUS = /\((healthy|unhealthy|health: starting)\)/;

/**
 * The health of a container: the summary's `Health.Status` where the engine gives it (newer
 * API versions), else what the human Status line says ("Up 2 hours (healthy)").
 */
function healthOf(summary: ContainerSummary): string | null {
  const reported = summary.Health?.Status;
  if (typeof reported === 'string' && reported !== '' && reported !== 'none') return reported;
  const match = HEALTH_IN_STATUS.exec(summary.Status ?? '');
  if (match === null) return null;
  return match[1] === 'health: starting' ? 'starting' : match[1]!;
}

export function toContainerStatus(summary: ContainerSummary): ContainerStatus {
  return {
    id: (summary.Id ?? '').slice(0, 12),
    name: (summary.Names?.[0] ?? '').replace(/^\//, ''),
    state: summary.State ?? 'unknown',
    health: healthOf(summary),
  };
}

/** A container is fine when it runs and its health check (if any) passes. */
export function containerOk(container: ContainerStatus): boolean {
  return container.state === 'running' && (container.health === null || container.health === 'healthy');
}

/**
 * The running containers, from the Docker Engine API over its unix socket
 * (`GET /containers/json`). Rejects with a readable reason when the engine does not answer.
 */
export function listContainers(socketPath: string, timeoutMs: number): Promise<ContainerStatus[]> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        path: '/containers/json',
        method: 'GET',
        headers: { host: 'docker' },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('error', reject);
        res.once('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) {
            reject(new Error(`Docker answered ${res.statusCode}: ${text.slice(0, 200)}`));
            return;
          }
          try {
            const list = JSON.parse(text) as unknown;
            if (!Array.isArray(list)) throw new Error('not a list');
            resolve((list as ContainerSummary[]).map(toContainerStatus));
          } catch (error) {
            reject(new Error(`Docker's container list is unreadable: ${(error as Error).message}`));
          }
        });
      },
    );
    req.once('timeout', () => req.destroy(new Error(`Docker did not answer within ${timeoutMs} ms`)));
    req.once('error', reject);
    req.end();
  });
}
