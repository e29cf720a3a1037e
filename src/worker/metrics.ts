import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import { listen } from '../platform/listen.ts';
import { collectProcessMetrics } from '../platform/process-metrics.ts';

export type OutboxKind = 'results' | 'verdicts';

/**
 * The worker's Prometheus metrics (names from docs/design/work-contract.md) on a registry of
 * its own, so several hosts can run in one process (tests). Labelled by topic; the node is
 * the process's, so it is not a label. Process metrics only when asked: one set per process.
 * Longer than most functions: it is the list of the worker's metrics, one declaration each,
 * which reads best in one place.
 */
export function createWorkerMetrics({
  registry = new Registry(),
  defaultMetrics = false,
  outboxDepth,
}: {
  registry?: Registry;
  defaultMetrics?: boolean;
  /** Read at scrape time. */
  outboxDepth: (kind: OutboxKind) => number;
}) {
  if (defaultMetrics) collectProcessMetrics(registry, 'vigil_worker_');
  const registers = [registry];
  const metrics = {
    registry,
    adapterRequests: new Counter({
      name: 'vigil_worker_adapter_requests_total',
      help: 'Adapter runs for jobs (each attempt and retry), by topic and adapter kind',
      labelNames: ['topic', 'kind'],
      registers,
    }),
    resultsBuilt: new Counter({
      name: 'vigil_worker_results_built_total',
      help: 'Job results (success, failure or released) put into the outbox',
      labelNames: ['topic'],
      registers,
    }),
    submissions: new Counter({
      name: 'vigil_worker_submissions_total',
      help: 'Outbox batches the coordinator accepted (HTTP 200), by kind: results or verdicts',
      labelNames: ['kind'],
      registers,
    }),
    submissionErrors: new Counter({
      name: 'vigil_worker_submission_errors_total',
      help: 'Outbox batches that failed (no answer, 5xx, or refused), by kind',
      labelNames: ['kind'],
      registers,
    }),
    dropped: new Counter({
      name: 'vigil_worker_outbox_dropped_total',
      help: 'Outbox items the coordinator refused for good on their own, dropped',
      labelNames: ['kind'],
      registers,
    }),
    retries: new Counter({
      name: 'vigil_worker_retries_total',
      help: 'Adapter retries after a retryable failure',
      labelNames: ['topic'],
      registers,
    }),
    jobsClaimed: new Counter({
      name: 'vigil_worker_jobs_claimed_total',
      help: 'Jobs claimed from the coordinator',
      labelNames: ['topic'],
      registers,
    }),
    busySlots: new Gauge({
      name: 'vigil_worker_busy_slots',
      help: 'Slots running a job now',
      labelNames: ['topic'],
      registers,
    }),
    reconnects: new Counter({
      name: 'vigil_worker_reconnects_total',
      help: 'Connection pools to the coordinator replaced after a timeout or socket error',
      registers,
    }),
    outboxDepth: new Gauge({
      name: 'vigil_worker_outbox_depth',
      help: 'Results and verdicts waiting to be delivered',
      labelNames: ['kind'],
      registers,
      collect() {
        for (const kind of ['results', 'verdicts'] as const) this.set({ kind }, outboxDepth(kind));
      },
    }),
  };
  for (const kind of ['results', 'verdicts'] as const) {
    metrics.submissions.inc({ kind }, 0);
    metrics.submissionErrors.inc({ kind }, 0);
    metrics.dropped.inc({ kind }, 0);
  }
  metrics.reconnects.inc(0);
  return metrics;
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/** Serves `/metrics` (Prometheus text) and `/status` (the host's JSON status) on host:port. */
export async function startMetricsServer({
  host,
  port,
  registry,
  status,
}: {
  host: string;
  port: number;
  registry: Registry;
  status: () => unknown;
}): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
    } else if (path === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(error.message),
      );
    } else if (path === '/status') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(status()));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('try /metrics or /status\n');
    }
  });
  return listen(server, port, host);
}
