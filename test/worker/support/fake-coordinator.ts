import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { type TopicDefinition, type TopicInput, topicSchema } from '../../../src/config/topic-schema.ts';
import type {
  DesiredWorker,
  JobResult,
  StateTransition,
  SyncRequest,
  Verdict,
  WorkerReport,
} from '../../../src/core/work/protocol.ts';
import { bodyOf, type LocalServer, sendJson, sendProblem, serve } from '../../helpers/http.ts';
import { checkSignedRequests } from '../../node-client/support/signed-requests.ts';
import { type Route, routeOf } from './routes.ts';

export interface FakeJob {
  job_id: string;
  topic: string;
  payload: unknown;
  status: 'queued' | 'running' | 'succeeded' | 'dead' | 'cancelled';
  attempts: number;
  max_attempts: number;
  lease_token: string | null;
  lease_expires_at_ms: number;
  worker_id: string | null;
  result: unknown;
  error: unknown;
  /** Every result item received for this job, with the disposition given. */
  received: Array<{ item: JobResult; disposition: string }>;
}

export interface FakeWorker extends DesiredWorker {
  node_id: string;
  reports: WorkerReport[];
  transitions: StateTransition[];
}

export interface ClaimCall {
  worker_id: string;
  topic: string;
  at_ms: number;
  open: boolean;
}

/**
 * A loopback coordinator for the worker's calls (docs/design/work-contract.md, "Worker-facing
 * calls"), in memory: signatures checked as the real one checks them (replays refused),
 * declared workers upserted by sync, claims with long polls, leases that expire, results
 * de-duplicated by lease token. Tests steer it: submit and cancel jobs, change workers,
 * script failures, or make it accept connections and never answer (`silent`).
 */
export async function startFakeCoordinator({
  keys,
  leaseMs = 30_000,
  apiKey = 'node-api-key',
}: {
  /** node id → public key text of the nodes already registered. */
  keys: Record<string, string>;
  leaseMs?: number;
  apiKey?: string;
}) {
  const publicKeys = new Map(Object.entries(keys));
  const topics = new Map<string, TopicDefinition>();
  const workers = new Map<string, FakeWorker>();
  const jobs = new Map<string, FakeJob>();
  const samples = new Map<
    string,
    { job_id: string; node_id: string; claimedBy: string | null; verdict: Verdict | null }
  >();
  const tokensSeen = new Map<string, string>();
  const requests: Array<{ route: Route; body: unknown; at_ms: number }> = [];
  const refusals: string[] = [];
  const failures: Array<{ route: Route; count: number; status: number }> = [];
  const wakeClaims = new Set<() => void>();
  let connections = 0;
  const claims: ClaimCall[] = [];
  let silent = false;
  const held: ServerResponse[] = [];

  const now = () => Date.now();

  const authenticate = checkSignedRequests({ publicKeyOf: (id) => publicKeys.get(id), refusals });

  function expireLeases(): void {
    for (const job of jobs.values()) {
      if (job.status === 'running' && job.lease_expires_at_ms <= now()) {
        job.status = job.attempts >= job.max_attempts ? 'dead' : 'queued';
        job.lease_token = null;
      }
    }
  }

  function workerView(w: FakeWorker): DesiredWorker {
    const { worker_id, pool, source, enabled, generation, topics: t, verify_topics } = w;
    return { worker_id, pool, source, enabled, generation, topics: t, verify_topics };
  }

  function sync(nodeId: string, body: SyncRequest) {
    for (const report of body.workers) {
      let w = workers.get(report.worker_id);
      if (w === undefined && report.declared !== null) {
        w = {
          worker_id: report.worker_id,
          node_id: nodeId,
          pool: report.pool,
          source: 'config',
          enabled: true,
          generation: 0,
          topics: report.declared.topics,
          verify_topics: report.declared.verify_topics,
          reports: [],
          transitions: [],
        };
        workers.set(w.worker_id, w);
      }
      if (w === undefined || w.node_id !== nodeId) continue;
      if (report.declared !== null) {
        w.topics = report.declared.topics;
        w.verify_topics = report.declared.verify_topics;
      }
      w.reports.push(report);
      w.transitions.push(...report.transitions);
    }
    const mine = [...workers.values()].filter((w) => w.node_id === nodeId);
    const served = new Set(mine.flatMap((w) => [...w.topics.map((t) => t.topic), ...w.verify_topics]));
    return {
      node_id: nodeId,
      server_time_ms: now(),
      lease_ms: leaseMs,
      workers: mine.map(workerView),
      topics: [...topics.values()].filter((t) => served.has(t.name)),
    };
  }

  async function claim(
    nodeId: string,
    topic: string,
    body: { worker_id: string; max?: number; wait_ms?: number },
    gone: () => boolean,
  ) {
    const def = topics.get(topic);
    if (def === undefined) return { status: 404, slug: 'unknown-topic' };
    const w = workers.get(body.worker_id);
    if (w === undefined || w.node_id !== nodeId) return { status: 404, slug: 'unknown-worker' };
    if (!w.enabled) return { status: 409, slug: 'worker-disabled' };
    if (!w.topics.some((t) => t.topic === topic)) return { status: 409, slug: 'topic-not-assigned' };
    const score = w.reports.at(-1)?.benchmark[topic];
    if (def.min_benchmark_score > 0 && (score === undefined || score < def.min_benchmark_score)) {
      return { status: 403, slug: 'benchmark-too-low' };
    }
    const deadline = now() + (body.wait_ms ?? 0);
    for (;;) {
      expireLeases();
      const ready = [...jobs.values()]
        .filter((j) => j.topic === topic && j.status === 'queued')
        .slice(0, body.max ?? 1);
      // A worker that gave up on its long poll (draining) must not be handed jobs it never sees.
      // (A job arriving as the abort crosses the wire is lost to the lease, as with the real one.)
      if (gone()) return { jobs: [] };
      if (ready.length > 0 || now() >= deadline) {
        return {
          jobs: ready.map((job) => {
            job.status = 'running';
            job.attempts++;
            job.lease_token = randomUUID();
            job.lease_expires_at_ms = now() + leaseMs;
            job.worker_id = body.worker_id;
            return {
              job_id: job.job_id,
              lease_token: job.lease_token,
              attempt: job.attempts,
              max_attempts: job.max_attempts,
              lease_expires_at_ms: job.lease_expires_at_ms,
              timeout_ms: def.timeout_ms,
              deadline_at_ms: null,
              tenant_id: 'default',
              payload: job.payload,
            };
          }),
        };
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          wakeClaims.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(100, Math.max(0, deadline - now())));
        wakeClaims.add(wake);
      });
    }
  }

  function extend(body: { leases: Array<{ job_id: string; lease_token: string }> }) {
    expireLeases();
    return {
      leases: body.leases.map(({ job_id, lease_token }) => {
        const job = jobs.get(job_id);
        if (job?.status === 'cancelled') return { job_id, status: 'cancelled', lease_expires_at_ms: null };
        if (job === undefined || job.status !== 'running' || job.lease_token !== lease_token) {
          return { job_id, status: 'lost', lease_expires_at_ms: null };
        }
        job.lease_expires_at_ms = now() + leaseMs;
        return { job_id, status: 'extended', lease_expires_at_ms: job.lease_expires_at_ms };
      }),
    };
  }

  function result(item: JobResult): string {
    const job = jobs.get(item.job_id);
    if (job === undefined) return 'lost';
    const before = tokensSeen.get(item.lease_token);
    let disposition: string;
    if (before !== undefined) disposition = 'duplicate';
    else if (job.status === 'cancelled') disposition = 'cancelled';
    else if (job.lease_token !== item.lease_token || job.status !== 'running') disposition = 'lost';
    else if (item.status === 'success') {
      job.status = 'succeeded';
      job.result = item.result;
      disposition = 'recorded';
    } else if (item.status === 'released') {
      job.status = 'queued';
      job.attempts--;
      disposition = 'released';
    } else {
      job.error = item.error;
      const retry = item.error?.retryable !== false && job.attempts < job.max_attempts;
      job.status = retry ? 'queued' : 'dead';
      disposition = retry ? 'retrying' : 'dead';
    }
    if (disposition !== 'lost' && disposition !== 'duplicate') {
      tokensSeen.set(item.lease_token, disposition);
      job.lease_token = null;
    }
    job.received.push({ item, disposition });
    for (const wake of wakeClaims) wake();
    return disposition;
  }

  function scripted(route: Route, res: ServerResponse): boolean {
    const failure = failures.find((f) => f.route === route && f.count > 0);
    if (failure === undefined) return false;
    failure.count--;
    sendProblem(res, failure.status, failure.status >= 500 ? 'internal' : 'bad-request', 'scripted failure', {
      'retry-after': '0',
    });
    return true;
  }

  const server: LocalServer = await serve(async (req, res) => {
    if (silent) {
      held.push(res);
      return;
    }
    const path = req.url ?? '/';
    const text = await bodyOf(req);
    const route = routeOf(path);
    if (route === null || req.method !== 'POST') return sendProblem(res, 404, 'not-found', path);
    const body = text === '' ? null : (JSON.parse(text) as Record<string, unknown>);
    requests.push({ route, body, at_ms: Date.now() });
    if (scripted(route, res)) return;
    if (route === 'nodes') {
      if (req.headers.authorization !== `Bearer ${apiKey}`)
        return sendProblem(res, 401, 'unauthorized', 'key');
      const reg = body as { node_id: string; public_key: string };
      const known = publicKeys.get(reg.node_id);
      if (known !== undefined && known !== reg.public_key) {
        res.writeHead(409, { 'content-type': 'application/problem+json' });
        return res.end(
          JSON.stringify({ type: 'urn:vigil:problem:conflict', status: 409, differences: ['public_key'] }),
        );
      }
      publicKeys.set(reg.node_id, reg.public_key);
      return sendJson(res, known === undefined ? 201 : 200, reg);
    }
    const nodeId = authenticate(req, res, text);
    if (nodeId === null) return;
    const topic = decodeURIComponent(path.split('/')[2] ?? '');
    switch (route) {
      case 'sync':
        return sendJson(res, 200, sync(nodeId, body as unknown as SyncRequest));
      case 'claim': {
        const call: ClaimCall = {
          worker_id: (body as { worker_id: string }).worker_id,
          topic,
          at_ms: now(),
          open: true,
        };
        claims.push(call);
        res.once('close', () => {
          call.open = false;
        });
        // The socket may have closed before this listener existed (an abort right after sending).
        const answer = await claim(
          nodeId,
          topic,
          body as { worker_id: string },
          () => !call.open || req.socket.destroyed,
        );
        if ('slug' in answer) return sendProblem(res, answer.status!, answer.slug!, answer.slug!);
        return sendJson(res, 200, answer);
      }
      case 'extend':
        return sendJson(res, 200, extend(body as never));
      case 'results': {
        const items = (body as { results: JobResult[] }).results;
        return sendJson(res, 200, {
          results: items.map((item) => ({ job_id: item.job_id, disposition: result(item) })),
        });
      }
      case 'samples': {
        const worker = (body as { worker_id: string }).worker_id;
        const out = [...samples.values()]
          .filter((s) => s.claimedBy === null && s.node_id !== nodeId && jobs.get(s.job_id)?.topic === topic)
          .map((s) => {
            s.claimedBy = worker;
            const job = jobs.get(s.job_id)!;
            return {
              job_id: s.job_id,
              node_id: s.node_id,
              payload: job.payload,
              result: job.result,
              finished_at_ms: now(),
            };
          });
        return sendJson(res, 200, { samples: out });
      }
      case 'verdicts': {
        const items = (body as { verdicts: Verdict[] }).verdicts;
        return sendJson(res, 200, {
          verdicts: items.map((v) => {
            const s = samples.get(v.job_id);
            if (s === undefined) return { job_id: v.job_id, disposition: 'unknown-job' };
            if (s.verdict !== null) return { job_id: v.job_id, disposition: 'duplicate' };
            if (s.claimedBy !== v.worker_id) return { job_id: v.job_id, disposition: 'not-claimed' };
            s.verdict = v;
            return { job_id: v.job_id, disposition: 'recorded' };
          }),
        });
      }
    }
  });
  server.server.on('connection', () => {
    connections++;
  });

  return {
    url: server.url,
    requests,
    refusals,
    /** Every claim call, and whether its connection is still open (a long poll waiting). */
    claims,
    jobs,
    workers,
    samples,
    get connections() {
      return connections;
    },
    /** Registers a node's key, as if someone registered it before. */
    setKey(nodeId: string, publicKey: string): void {
      publicKeys.set(nodeId, publicKey);
    },
    addTopic(input: TopicInput): TopicDefinition {
      const def = topicSchema.parse(input);
      topics.set(def.name, def);
      return def;
    },
    submit(topic: string, payload: unknown, maxAttempts = 3): FakeJob {
      const job: FakeJob = {
        job_id: randomUUID(),
        topic,
        payload,
        status: 'queued',
        attempts: 0,
        max_attempts: maxAttempts,
        lease_token: null,
        lease_expires_at_ms: 0,
        worker_id: null,
        result: null,
        error: null,
        received: [],
      };
      jobs.set(job.job_id, job);
      for (const wake of wakeClaims) wake();
      return job;
    },
    cancel(jobId: string): void {
      jobs.get(jobId)!.status = 'cancelled';
    },
    /** A sample of another node's finished job, for verifiers. */
    sample(jobId: string, nodeId: string): void {
      samples.set(jobId, { job_id: jobId, node_id: nodeId, claimedBy: null, verdict: null });
    },
    addWorker(w: Omit<FakeWorker, 'reports' | 'transitions'>): void {
      workers.set(w.worker_id, { ...w, reports: [], transitions: [] });
    },
    failNext(route: Route, count: number, status: number): void {
      failures.push({ route, count, status });
    },
    clearFailures(): void {
      failures.splice(0);
    },
    /**
     * Accepts connections and requests but answers none, until set false again. Requests held
     * meanwhile stay unanswered (their connections open): only a timeout frees the worker.
     */
    setSilent(on: boolean): void {
      silent = on;
    },
    countOf: (route: Route) => requests.filter((r) => r.route === route).length,
    close: () => {
      for (const res of held.splice(0)) res.destroy();
      return server.close();
    },
  };
}

export type FakeCoordinator = Awaited<ReturnType<typeof startFakeCoordinator>>;
