import type { DesiredWorker, TopicSlots } from '../core/work/protocol.ts';
import type { AdapterSpec, TopicDefinition } from '../core/work/topic.ts';
import type { CoordinatorError } from '../node-client/errors.ts';
import type { Logger } from '../platform/log.ts';
import { jobAdapterFor, verifyAdapterFor } from './adapter-choice.ts';
import { type Adapter, createAdapter } from './adapters/index.ts';
import { runBenchmark } from './benchmark.ts';
import type { WorkerConfig } from './config.ts';
import type { WorkerCalls } from './coordinator-calls.ts';
import type { LeaseKeeper } from './leases.ts';
import type { WorkerMetrics } from './metrics.ts';
import type { Outbox } from './outbox.ts';
import { type RefusalAction, startTopicLoop, type TopicLoop } from './topic-loop.ts';
import { startVerifier, type Verifier } from './verifier.ts';
import type { WorkerStateTracker } from './worker-state.ts';

/** A busy worker becomes `ready` again only after this long idle, so a stream of jobs does not flap. */
export const IDLE_GRACE_MS = 1_000;

/** What every worker of a host shares. */
export interface WorkerDeps {
  config: WorkerConfig;
  baseDir: string;
  calls: WorkerCalls;
  outbox: Outbox;
  leases: LeaseKeeper;
  metrics: WorkerMetrics;
  log: Logger;
  now: () => number;
  random: () => number;
  leaseMs: () => number;
  /** Resolves once a sync that began after the call was answered (or the host stops). */
  syncAnswered: () => Promise<void>;
  /** Asks for a sync soon (state changed, or the coordinator refused something). */
  requestSync: () => void;
  verifyIntervalMs: number;
}

export interface RunningWorker {
  readonly id: string;
  readonly generation: number;
  readonly benchmark: Record<string, number>;
  busySlots(): number;
  /** Whether `desired` differs from what runs only in concurrency (applied in place by `update`). */
  canApply(desired: DesiredWorker): boolean;
  update(desired: DesiredWorker): void;
  /** Drains (no new claims, in-flight get `drainTimeoutMs`, then released) and ends `stopped`. */
  stop(reason: string, drainTimeoutMs: number): Promise<void>;
}

const sameTopics = (a: readonly TopicSlots[], b: readonly TopicSlots[]) =>
  a.length === b.length && a.every((t) => b.some((u) => u.topic === t.topic));
const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((t) => b.includes(t));

/**
 * One worker: starting → benchmarking (topics with a benchmark) → ready ⇄ working → draining →
 * stopped, or error with the reason. It claims nothing unless every topic it serves has an
 * adapter and passed its benchmark, and until a sync carried its scores to the coordinator.
 * Its state lives in `tracker`, which the host reports and which outlives a restart.
 */
export function startWorker({
  desired: initial,
  topics,
  tracker,
  deps,
}: {
  desired: DesiredWorker;
  /** The definitions of the topics this worker serves or verifies, from the sync answer. */
  topics: ReadonlyMap<string, TopicDefinition>;
  tracker: WorkerStateTracker;
  deps: WorkerDeps;
}): RunningWorker {
  const { config, metrics, now } = deps;
  const log = deps.log.child({ worker_id: initial.worker_id });
  let desired = initial;
  const adapters: Adapter[] = [];
  const loops = new Map<string, TopicLoop>();
  const verifiers: Verifier[] = [];
  const benchmark: Record<string, number> = {};
  const stopping = new AbortController();
  let idleTimer: NodeJS.Timeout | undefined;

  function fail(reason: string): void {
    log.error({ reason }, 'worker error');
    tracker.set('error', reason);
    for (const loop of loops.values()) loop.stopClaiming();
    deps.requestSync();
  }

  function busySlots(): number {
    let busy = 0;
    for (const loop of loops.values()) busy += loop.busy;
    for (const verifier of verifiers) if (verifier.busy) busy++;
    return busy;
  }

  function onBusyChange(): void {
    if (stopping.signal.aborted) return;
    const busy = busySlots();
    if (busy > 0) {
      clearTimeout(idleTimer);
      idleTimer = undefined;
      if (tracker.state === 'ready') tracker.set('working');
    } else if (tracker.state === 'working' && idleTimer === undefined) {
      idleTimer = setTimeout(() => {
        idleTimer = undefined;
        if (busySlots() === 0 && tracker.state === 'working' && !stopping.signal.aborted)
          tracker.set('ready');
      }, IDLE_GRACE_MS);
    }
  }

  function onRefusal(error: CoordinatorError): RefusalAction {
    if (error.slug === 'benchmark-too-low') {
      fail(`the coordinator refused claims: ${error.message}`);
      return 'stop';
    }
    // Disabled, unassigned, unknown: the coordinator's wish changed; the next sync says how.
    deps.requestSync();
    return 'pause';
  }

  function adapterOf(spec: AdapterSpec): Adapter {
    const adapter = createAdapter(spec, { baseDir: deps.baseDir });
    adapters.push(adapter);
    return adapter;
  }

  async function run(): Promise<void> {
    tracker.set('starting');
    const jobAdapters = new Map<string, Adapter>();
    const judges = new Map<string, Adapter>();
    const problems: string[] = [];
    try {
      for (const { topic } of desired.topics) {
        const choice = jobAdapterFor(topic, topics.get(topic), config);
        if ('reason' in choice) problems.push(choice.reason);
        else jobAdapters.set(topic, adapterOf(choice.spec));
      }
      for (const topic of desired.verify_topics) {
        const choice = verifyAdapterFor(topic, topics.get(topic), config);
        if ('reason' in choice) problems.push(choice.reason);
        else judges.set(topic, adapterOf(choice.spec));
      }
    } catch (error) {
      problems.push(`adapter could not be created: ${(error as Error).message}`);
    }
    if (problems.length > 0) return fail(problems.join('; '));

    const benchmarked = desired.topics.filter(({ topic }) => topics.get(topic)?.benchmark);
    if (benchmarked.length > 0) {
      tracker.set('benchmarking');
      for (const { topic } of benchmarked) {
        const definition = topics.get(topic)!;
        const result = await runBenchmark(
          jobAdapters.get(topic)!,
          definition.benchmark!,
          definition.timeout_ms,
          {
            signal: stopping.signal,
          },
        );
        if (stopping.signal.aborted) return;
        benchmark[topic] = result.score;
        log.info({ topic, ...result }, 'benchmark run');
        if (result.score < definition.min_benchmark_score) {
          return fail(
            `topic ${topic}: benchmark score ${result.score} is below the minimum ${definition.min_benchmark_score}` +
              (result.reason === null ? '' : ` (${result.reason})`),
          );
        }
      }
    }
    tracker.set('ready');
    // Claims are admitted on the score the coordinator last heard: let a sync carry it first.
    if (benchmarked.length > 0) {
      deps.requestSync();
      await Promise.race([
        deps.syncAnswered(),
        new Promise((done) => stopping.signal.addEventListener('abort', done, { once: true })),
      ]);
    }
    if (stopping.signal.aborted || tracker.state === 'error') return;

    for (const { topic, concurrency } of desired.topics) {
      loops.set(
        topic,
        startTopicLoop({
          workerId: desired.worker_id,
          topic,
          concurrency,
          adapter: jobAdapters.get(topic)!,
          retry: { maxRetries: config.max_retries, delayMs: config.retry_delay_ms, backoff: config.backoff },
          claimWaitMs: config.claim_wait_ms,
          leaseMs: deps.leaseMs,
          pauseMs: config.heartbeat_interval_ms,
          calls: deps.calls,
          outbox: deps.outbox,
          leases: deps.leases,
          metrics,
          log,
          now,
          random: deps.random,
          onBusyChange,
          onRefusal,
        }),
      );
    }
    for (const topic of desired.verify_topics) {
      const definition = topics.get(topic)!;
      verifiers.push(
        startVerifier({
          workerId: desired.worker_id,
          topic,
          adapter: judges.get(topic)!,
          maxLoss: definition.verification?.max_loss ?? null,
          timeoutMs: definition.timeout_ms,
          intervalMs: deps.verifyIntervalMs,
          calls: deps.calls,
          outbox: deps.outbox,
          log,
          onBusyChange,
          onRefusal: () => deps.requestSync(),
        }),
      );
    }
    log.info(
      { topics: desired.topics, verify_topics: desired.verify_topics, generation: desired.generation },
      'worker ready',
    );
  }

  const started = run().catch((error: Error) => fail(`start failed: ${error.message}`));

  let stopped: Promise<void> | null = null;
  return {
    id: initial.worker_id,
    generation: initial.generation,
    benchmark,
    busySlots,
    canApply: (next) =>
      next.generation === desired.generation &&
      sameTopics(next.topics, desired.topics) &&
      sameSet(next.verify_topics, desired.verify_topics),
    update(next) {
      desired = next;
      for (const { topic, concurrency } of next.topics) {
        const loop = loops.get(topic);
        if (loop !== undefined && loop.concurrency !== concurrency) {
          log.info({ topic, from: loop.concurrency, to: concurrency }, 'concurrency changed');
          loop.resize(concurrency);
        }
      }
    },
    stop(reason, drainTimeoutMs) {
      stopped ??= (async () => {
        stopping.abort(new Error(reason));
        clearTimeout(idleTimer);
        tracker.set('draining', reason);
        await started;
        await Promise.all([
          ...[...loops.values()].map((loop) => loop.drain(drainTimeoutMs)),
          ...verifiers.map((verifier) => verifier.stop(drainTimeoutMs)),
        ]);
        await Promise.all(adapters.map((adapter) => adapter.close().catch(() => {})));
        tracker.set('stopped', reason);
        log.info({ reason }, 'worker stopped');
      })();
      return stopped;
    },
  };
}
