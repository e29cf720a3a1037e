import autocannon, { type Request } from 'autocannon';

/**
 * Drives one telemetry endpoint with autocannon. Usually started as its own process
 * (`node bench/lib/load-generator.ts '<json LoadSpec>'`, result as JSON on stdout), so the
 * load generator does not share the coordinator's event loop.
 */
export interface LoadSpec {
  url: string;
  key: string;
  kind: 'heartbeat' | 'outcomes';
  nodes: number;
  durationS: number;
  connections: number;
  /** Outcomes per request. */
  batch: number;
  /** Makes job ids unique across runs against one database. */
  runId: string;
}

export interface LoadResult {
  durationS: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

export const benchNodeId = (i: number): string => `bench-node-${String(i).padStart(6, '0')}`;

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const headers = { authorization: `Bearer ${spec.key}`, 'content-type': 'application/json' };
  let next = 0;
  let jobSeq = 0;
  const heartbeat: Request = {
    method: 'POST',
    headers,
    body: JSON.stringify({ busy_slots: 1, queue_length: 0 }),
    // Round-robin over the registered nodes, as a fleet's heartbeats arrive.
    setupRequest: (req) => ({ ...req, path: `/nodes/${benchNodeId(next++ % spec.nodes)}/heartbeat` }),
  };
  const outcomes: Request = {
    method: 'POST',
    path: '/outcomes',
    headers,
    setupRequest: (req) => {
      const now = Date.now();
      const batch = [];
      for (let i = 0; i < spec.batch; i++) {
        const duration = 50 + ((jobSeq * 7919) % 900);
        batch.push({
          job_id: `${spec.runId}-${jobSeq++}`,
          node_id: benchNodeId(next++ % spec.nodes),
          topic: 'inference',
          tenant_id: 'tenant-01',
          status: jobSeq % 50 === 0 ? 'failure' : 'success',
          started_at: now - duration,
          finished_at: now,
        });
      }
      return { ...req, body: JSON.stringify(batch) };
    },
  };
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationS,
    timeout: 30,
    requests: [spec.kind === 'heartbeat' ? heartbeat : outcomes],
  });
  return {
    durationS: result.duration,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count]),
    ),
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.mean,
    },
  };
}

if (process.argv[1] === import.meta.filename) {
  const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
  process.stdout.write(`${JSON.stringify(await runLoad(spec))}\n`);
}
