import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VigilConfig } from '../../src/config/index.ts';
import { assembleCoordinator } from '../../src/coordinator/assemble.ts';
import { createApiKey } from '../../src/coordinator/auth/keys.ts';
import { loadCoordinatorKey } from '../../src/coordinator/epochs/signing-key.ts';
import { silentLogger } from '../../src/platform/log.ts';
import type { Store } from '../../src/store/store.ts';

/** One dashboard request, asked with a read key or a tenant's key. */
export interface DashboardRequest {
  url: string;
  as: 'read' | 'tenant';
}

/**
 * One request's figures: the first answer of the process (nothing warm but the OS page cache
 * and the statements of the requests before it), then the median, 90th percentile and worst
 * of `repeat` more, wall time and this process's CPU time (on SQLite all of the work; on
 * PostgreSQL the server's share is not in it).
 */
export interface RouteTiming extends DashboardRequest {
  status: number;
  points: number | null;
  bytes: number;
  first_ms: number;
  median_ms: number;
  p90_ms: number;
  max_ms: number;
  cpu_median_ms: number;
  load: number;
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/** The whole coordinator API in this process over `store`, every request timed through Fastify's inject. */
export async function measureRoutes(
  store: Store,
  config: VigilConfig,
  now: number,
  requests: readonly DashboardRequest[],
  { repeat, tenant }: { repeat: number; tenant: string },
): Promise<RouteTiming[]> {
  const keyDir = mkdtempSync(join(tmpdir(), 'vigil-bench-key-'));
  config.auth.signing_key_path = join(keyDir, 'coordinator.key');
  const key = await loadCoordinatorKey(config.auth.signing_key_path);
  const coordinator = await assembleCoordinator(store, config, key, { log: silentLogger, now: () => now });
  const { app } = coordinator;
  try {
    await app.ready();
    const keys = {
      read: (await createApiKey(store.db, 'read', 'bench', now)).key,
      tenant: (await createApiKey(store.db, 'tenant', tenant, now)).key,
    };
    const timings: RouteTiming[] = [];
    for (const r of requests) {
      const once = async () => {
        const cpu = process.cpuUsage();
        const start = performance.now();
        const res = await app.inject({
          method: 'GET',
          url: r.url,
          headers: { authorization: `Bearer ${keys[r.as]}` },
        });
        const wall = performance.now() - start;
        const used = process.cpuUsage(cpu);
        return { res, wall, cpu: (used.user + used.system) / 1000 };
      };
      const load = loadavg()[0] ?? 0;
      const first = await once();
      const walls: number[] = [];
      const cpus: number[] = [];
      for (let i = 0; i < repeat; i++) {
        const t = await once();
        walls.push(t.wall);
        cpus.push(t.cpu);
      }
      walls.sort((a, b) => a - b);
      cpus.sort((a, b) => a - b);
      const body = first.res.json() as { points?: unknown[] };
      timings.push({
        ...r,
        status: first.res.statusCode,
        points: Array.isArray(body.points) ? body.points.length : null,
        bytes: first.res.body.length,
        first_ms: first.wall,
        median_ms: quantile(walls, 0.5),
        p90_ms: quantile(walls, 0.9),
        max_ms: walls.at(-1) ?? 0,
        cpu_median_ms: quantile(cpus, 0.5),
        load,
      });
    }
    return timings;
  } finally {
    coordinator.jobs.close();
    await app.close();
    await coordinator.queue.close();
    rmSync(keyDir, { recursive: true, force: true });
  }
}
