import type {
  BatchAnswer,
  ClaimedJob,
  ClaimRequest,
  ExtendAnswer,
  JobResult,
  LeaseRef,
  ResultDisposition,
  Sample,
  SyncAnswer,
  SyncRequest,
  Verdict,
  VerdictDisposition,
} from '../core/work/protocol.ts';
import type { CallOptions, SignedClient } from '../node-client/signed-client.ts';

/** The worker's own calls to the coordinator (docs/design/work-contract.md, "Worker-facing calls"). */
export interface WorkerCalls {
  sync(body: SyncRequest, signal?: AbortSignal): Promise<SyncAnswer>;
  claim(topic: string, body: ClaimRequest, signal?: AbortSignal): Promise<ClaimedJob[]>;
  extendLeases(workerId: string, leases: LeaseRef[], signal?: AbortSignal): Promise<ExtendAnswer>;
  submitResults(results: JobResult[], signal?: AbortSignal): Promise<BatchAnswer<ResultDisposition>>;
  claimSamples(
    topic: string,
    body: { worker_id: string; max: number },
    signal?: AbortSignal,
  ): Promise<Sample[]>;
  submitVerdicts(verdicts: Verdict[], signal?: AbortSignal): Promise<BatchAnswer<VerdictDisposition>>;
}

const topicPath = (topic: string, rest: string) => `/topics/${encodeURIComponent(topic)}/${rest}`;

/** The worker's calls over the node's signed client: every one node-signed, a claim a long poll. */
export function createWorkerCalls(client: SignedClient): WorkerCalls {
  const post = async <T>(path: string, payload: unknown, options: CallOptions): Promise<T> =>
    (await client.post<T>(path, JSON.stringify(payload), options)).body;
  /** `POST /results` or `/verdicts`: the items under their kind's name, a disposition each. */
  const batch = async <D extends string>(
    kind: 'results' | 'verdicts',
    items: unknown[],
    signal: AbortSignal | undefined,
  ): Promise<BatchAnswer<D>> => {
    const answer = await post<Record<string, BatchAnswer<D>['items']>>(
      `/${kind}`,
      { [kind]: items },
      { signal },
    );
    return { items: answer[kind]! };
  };

  return {
    sync: (body, signal) => post<SyncAnswer>('/workers/sync', body, { signal }),
    async claim(topic, body, signal) {
      const options = { signal, waitMs: body.wait_ms };
      return (await post<{ jobs: ClaimedJob[] }>(topicPath(topic, 'claim'), body, options)).jobs;
    },
    extendLeases: (workerId, leases, signal) =>
      post<ExtendAnswer>('/leases/extend', { worker_id: workerId, leases }, { signal }),
    submitResults: (results, signal) => batch<ResultDisposition>('results', results, signal),
    async claimSamples(topic, body, signal) {
      return (await post<{ samples: Sample[] }>(topicPath(topic, 'verifications/claim'), body, { signal }))
        .samples;
    },
    submitVerdicts: (verdicts, signal) => batch<VerdictDisposition>('verdicts', verdicts, signal),
  };
}
