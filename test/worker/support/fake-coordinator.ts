import type { IncomingMessage, ServerResponse } from 'node:http';
import { type TopicDefinition, type TopicInput, topicSchema } from '../../../src/config/topic-schema.ts';
import type { JobResult, SyncRequest, Verdict } from '../../../src/core/work/protocol.ts';
import { bodyOf, type LocalServer, sendJson, sendProblem, serve } from '../../helpers/http.ts';
import { createNodeRegistry } from '../../node-client/support/node-registry.ts';
import { createScriptedFailures } from '../../node-client/support/scripted-failures.ts';
import { checkSignedRequests } from '../../node-client/support/signed-requests.ts';
import { type FakeJob, FakeJobs } from './fake-jobs.ts';
import { FakeVerification } from './fake-verification.ts';
import { type FakeWorker, FakeWorkers } from './fake-workers.ts';
import { type Route, routeOf } from './routes.ts';

export type { FakeJob } from './fake-jobs.ts';
export type { FakeWorker } from './fake-workers.ts';

export interface ClaimCall {
  worker_id: string;
  topic: string;
  at_ms: number;
  open: boolean;
}

/**
 * A loopback coordinator for the worker's calls (docs/design/work-contract.md, "Worker-facing
 * calls"), in memory: signatures checked as the real one checks them (replays refused),
 * declared workers upserted by sync (fake-workers.ts), claims with long polls, leases that
 * expire, results de-duplicated by lease token (fake-jobs.ts), verification samples and
 * verdicts (fake-verification.ts). Tests steer it: submit and cancel jobs, change workers,
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
  const registry = createNodeRegistry({ apiKey, keys });
  const topics = new Map<string, TopicDefinition>();
  const workers = new FakeWorkers({ topics, leaseMs });
  const jobs = new FakeJobs({ leaseMs, topics, workers });
  const verification = new FakeVerification(jobs);
  const requests: Array<{ route: Route; body: unknown; at_ms: number }> = [];
  const refusals: string[] = [];
  const failures = createScriptedFailures<Route>();
  const claims: ClaimCall[] = [];
  const held: ServerResponse[] = [];
  let connections = 0;
  let silent = false;

  const authenticate = checkSignedRequests({ publicKeyOf: registry.publicKeyOf, refusals });

  /** A node-signed call, once its signature is checked. */
  async function answerSigned(route: Route, req: IncomingMessage, res: ServerResponse, text: string) {
    const nodeId = authenticate(req, res, text);
    if (nodeId === null) return;
    const path = req.url ?? '/';
    const body = JSON.parse(text) as Record<string, unknown>;
    const topic = decodeURIComponent(path.split('/')[2] ?? '');
    switch (route) {
      case 'sync':
        return sendJson(res, 200, workers.sync(nodeId, body as unknown as SyncRequest));
      case 'claim':
        return claim(nodeId, topic, body as { worker_id: string }, req, res);
      case 'extend':
        return sendJson(res, 200, jobs.extend(body as never));
      case 'results': {
        const items = (body as { results: JobResult[] }).results;
        const results = items.map((item) => ({ job_id: item.job_id, disposition: jobs.result(item) }));
        return sendJson(res, 200, { results });
      }
      case 'samples':
        return sendJson(
          res,
          200,
          verification.claim(nodeId, topic, (body as { worker_id: string }).worker_id),
        );
      case 'verdicts':
        return sendJson(res, 200, verification.verdicts((body as { verdicts: Verdict[] }).verdicts));
    }
  }

  async function claim(
    nodeId: string,
    topic: string,
    body: { worker_id: string },
    req: IncomingMessage,
    res: ServerResponse,
  ) {
    const call: ClaimCall = { worker_id: body.worker_id, topic, at_ms: Date.now(), open: true };
    claims.push(call);
    res.once('close', () => {
      call.open = false;
    });
    // The socket may have closed before this listener existed (an abort right after sending).
    const answer = await jobs.claim(nodeId, topic, body, () => !call.open || req.socket.destroyed);
    if ('slug' in answer) return sendProblem(res, answer.status, answer.slug, answer.slug);
    return sendJson(res, 200, answer);
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
    requests.push({ route, body: text === '' ? null : JSON.parse(text), at_ms: Date.now() });
    if (failures.answer(route, res)) return;
    if (route === 'nodes') return registry.handle(req, res, text);
    return answerSigned(route, req, res, text);
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
    jobs: jobs.jobs,
    workers: workers.workers,
    samples: verification.samples,
    get connections() {
      return connections;
    },
    /** Registers a node's key, as if someone registered it before. */
    setKey: registry.setKey,
    addTopic(input: TopicInput): TopicDefinition {
      const def = topicSchema.parse(input);
      topics.set(def.name, def);
      return def;
    },
    submit: (topic: string, payload: unknown, maxAttempts = 3): FakeJob =>
      jobs.submit(topic, payload, maxAttempts),
    cancel(jobId: string): void {
      jobs.jobs.get(jobId)!.status = 'cancelled';
    },
    /** A sample of another node's finished job, for verifiers. */
    sample: (jobId: string, nodeId: string) => verification.sample(jobId, nodeId),
    addWorker: (w: Omit<FakeWorker, 'reports' | 'transitions'>) => workers.add(w),
    failNext: (route: Route, count: number, status: number) => failures.failNext(route, count, status),
    clearFailures: () => failures.clear(),
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
