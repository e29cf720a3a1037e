import type { RollupGrain } from '../../core/sla/rollup.ts';
import { countVerdict } from '../../store/repositories/node-quality.ts';
import { failRecordedSuccess } from '../../store/repositories/outcome-corrections.ts';
import { getTopic } from '../../store/repositories/topics.ts';
import {
  claimSamples,
  recordVerdict,
  type Sample,
  type VerdictDisposition,
} from '../../store/repositories/verdicts.ts';
import { workersOwnedBy } from '../../store/repositories/workers.ts';
import type { Store } from '../../store/store.ts';
import { NotFound } from '../errors.ts';
import { checkVerificationAdmission } from './admission.ts';

/** What verifying sampled jobs uses. */
export interface VerificationDeps {
  store: Store;
  /** How long a verifier holds the samples it claimed (`queue.lease_ms`). */
  leaseMs: number;
  /** The outcome rollups' grain, which a failed verdict corrects. */
  grain: RollupGrain;
  now: () => number;
  /** Called for each verdict recorded (not for duplicates or refusals). */
  onRecorded(topic: string, pass: boolean): void;
}

/** A verifier's verdict on one sample it claimed. */
export interface VerdictInput {
  job_id: string;
  worker_id: string;
  pass: boolean;
  loss: number | null;
  detail: string | null;
}

export type VerdictAnswer = VerdictDisposition['disposition'];

/**
 * Hands a node's verifying worker up to `max` sampled successes of other nodes in a topic:
 * the topic must exist and the worker be the node's own, enabled and verifying it.
 */
export async function claimVerificationSamples(
  { store, leaseMs, now }: Pick<VerificationDeps, 'store' | 'leaseMs' | 'now'>,
  { nodeId, workerId, topic, max }: { nodeId: string; workerId: string; topic: string; max: number },
): Promise<Sample[]> {
  const known = await getTopic(store.db, topic);
  if (known === undefined) {
    throw new NotFound('unknown-topic', 'Unknown topic', `there is no topic ${topic}`);
  }
  const refused = await checkVerificationAdmission(store.db, { nodeId, workerId, topic });
  if (refused !== null) throw refused;
  return claimSamples(store.db, { topic, workerId, nodeId, max, now: now(), claimMs: leaseMs });
}

/**
 * Records a node's verdicts, each on its own: the first verdict from the claiming worker
 * counts, and a failed one turns the sample's outcome into a failure and lowers the node's
 * quality. Answers each verdict's disposition, in order.
 */
export async function recordVerdicts(
  deps: VerificationDeps,
  nodeId: string,
  verdicts: readonly VerdictInput[],
): Promise<Array<{ job_id: string; disposition: VerdictAnswer }>> {
  const workerIds = [...new Set(verdicts.map((v) => v.worker_id))];
  const owned = await workersOwnedBy(deps.store.db, nodeId, workerIds);
  const answers: Array<{ job_id: string; disposition: VerdictAnswer }> = [];
  for (const v of verdicts) {
    // A worker id of another node never holds a claim this node may settle.
    if (!owned.has(v.worker_id)) {
      answers.push({ job_id: v.job_id, disposition: 'not-claimed' });
      continue;
    }
    const outcome = await recordOneVerdict(deps, nodeId, v);
    if (outcome.disposition === 'recorded') deps.onRecorded(outcome.topic, v.pass);
    answers.push({ job_id: v.job_id, disposition: outcome.disposition });
  }
  return answers;
}

/**
 * One transaction per verdict: the verdict, the outcome it turns and the counters commit
 * together, so a resent verdict is a duplicate and nothing counts twice.
 */
function recordOneVerdict(
  { store, grain, now }: VerificationDeps,
  nodeId: string,
  v: VerdictInput,
): Promise<VerdictDisposition> {
  const at = now();
  return store.transaction(async (trx) => {
    const recorded = await recordVerdict(trx, { ...v, node_id: nodeId }, at);
    if (recorded.disposition !== 'recorded') return recorded;
    if (!v.pass) await failRecordedSuccess(trx, `${v.job_id}:${recorded.attempt}`, grain);
    if (recorded.node_id !== '') await countVerdict(trx, recorded.node_id, !v.pass, at);
    return recorded;
  });
}
