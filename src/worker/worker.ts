import type { DesiredWorker, TopicSlots } from '../core/work/protocol.ts';
import type { TopicDefinition } from '../core/work/topic.ts';
import type { CoordinatorError } from '../node-client/errors.ts';
import type { Logger } from '../platform/log.ts';
import { type AdapterChoice, jobAdapterFor, verifyAdapterFor } from './adapter-choice.ts';
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
export function startWorker(options: WorkerOptions): RunningWorker {
  return new Worker(options);
}

export interface WorkerOptions {
  desired: DesiredWorker;
  /** The definitions of the topics this worker serves or verifies, from the sync answer. */
  topics: ReadonlyMap<string, TopicDefinition>;
  tracker: WorkerStateTracker;
  deps: WorkerDeps;
}

/** The adapters a worker runs its topics' jobs and judges with. */
interface Adapters {
  jobs: Map<string, Adapter>;
  judges: Map<string, Adapter>;
}

class Worker implements RunningWorker {
  readonly id: string;
  readonly generation: number;
  readonly benchmark: Record<string, number> = {};
  readonly #topics: ReadonlyMap<string, TopicDefinition>;
  readonly #tracker: WorkerStateTracker;
  readonly #deps: WorkerDeps;
  readonly #log: Logger;
  #desired: DesiredWorker;
  readonly #adapters: Adapter[] = [];
  readonly #loops = new Map<string, TopicLoop>();
  readonly #verifiers: Verifier[] = [];
  readonly #stopping = new AbortController();
  #idleTimer: NodeJS.Timeout | undefined;
  readonly #started: Promise<void>;
  #stopped: Promise<void> | null = null;

  constructor({ desired, topics, tracker, deps }: WorkerOptions) {
    this.id = desired.worker_id;
    this.generation = desired.generation;
    this.#desired = desired;
    this.#topics = topics;
    this.#tracker = tracker;
    this.#deps = deps;
    this.#log = deps.log.child({ worker_id: desired.worker_id });
    this.#started = this.#run().catch((error: Error) => this.#fail(`start failed: ${error.message}`));
  }

  busySlots(): number {
    let busy = 0;
    for (const loop of this.#loops.values()) busy += loop.busy;
    for (const verifier of this.#verifiers) if (verifier.busy) busy++;
    return busy;
  }

  canApply(next: DesiredWorker): boolean {
    const desired = this.#desired;
    return (
      next.generation === desired.generation &&
      sameTopics(next.topics, desired.topics) &&
      sameSet(next.verify_topics, desired.verify_topics)
    );
  }

  update(next: DesiredWorker): void {
    this.#desired = next;
    for (const { topic, concurrency } of next.topics) {
      const loop = this.#loops.get(topic);
      if (loop !== undefined && loop.concurrency !== concurrency) {
        this.#log.info({ topic, from: loop.concurrency, to: concurrency }, 'concurrency changed');
        loop.resize(concurrency);
      }
    }
  }

  stop(reason: string, drainTimeoutMs: number): Promise<void> {
    this.#stopped ??= (async () => {
      this.#stopping.abort(new Error(reason));
      clearTimeout(this.#idleTimer);
      this.#tracker.set('draining', reason);
      await this.#started;
      await Promise.all([
        ...[...this.#loops.values()].map((loop) => loop.drain(drainTimeoutMs)),
        ...this.#verifiers.map((verifier) => verifier.stop(drainTimeoutMs)),
      ]);
      await Promise.all(this.#adapters.map((adapter) => adapter.close().catch(() => {})));
      this.#tracker.set('stopped', reason);
      this.#log.info({ reason }, 'worker stopped');
    })();
    return this.#stopped;
  }

  async #run(): Promise<void> {
    this.#tracker.set('starting');
    const adapters = this.#chooseAdapters();
    if (adapters === null) return;
    const benchmarked = this.#desired.topics.filter(({ topic }) => this.#topics.get(topic)?.benchmark);
    if (benchmarked.length > 0 && !(await this.#benchmark(benchmarked, adapters.jobs))) return;
    this.#tracker.set('ready');
    // Claims are admitted on the score the coordinator last heard: let a sync carry it first.
    if (benchmarked.length > 0) {
      this.#deps.requestSync();
      await Promise.race([
        this.#deps.syncAnswered(),
        new Promise((done) => this.#stopping.signal.addEventListener('abort', done, { once: true })),
      ]);
    }
    if (this.#stopping.signal.aborted || this.#tracker.state === 'error') return;
    this.#startLoops(adapters.jobs);
    this.#startVerifiers(adapters.judges);
    const { topics, verify_topics, generation } = this.#desired;
    this.#log.info({ topics, verify_topics, generation }, 'worker ready');
  }

  /** An adapter for every topic served and verified; null (and the worker in error) when one is missing. */
  #chooseAdapters(): Adapters | null {
    const { config, baseDir } = this.#deps;
    const adapters: Adapters = { jobs: new Map(), judges: new Map() };
    const problems: string[] = [];
    const use = (into: Map<string, Adapter>, topic: string, choice: AdapterChoice) => {
      if ('reason' in choice) return problems.push(choice.reason);
      const adapter = createAdapter(choice.spec, { baseDir });
      this.#adapters.push(adapter);
      into.set(topic, adapter);
    };
    try {
      for (const { topic } of this.#desired.topics)
        use(adapters.jobs, topic, jobAdapterFor(topic, this.#topics.get(topic), config));
      for (const topic of this.#desired.verify_topics)
        use(adapters.judges, topic, verifyAdapterFor(topic, this.#topics.get(topic), config));
    } catch (error) {
      problems.push(`adapter could not be created: ${(error as Error).message}`);
    }
    if (problems.length === 0) return adapters;
    this.#fail(problems.join('; '));
    return null;
  }

  /** Runs each topic's benchmark; false when the worker stops or a score is below the minimum. */
  async #benchmark(topics: readonly TopicSlots[], adapters: Map<string, Adapter>): Promise<boolean> {
    this.#tracker.set('benchmarking');
    for (const { topic } of topics) {
      const definition = this.#topics.get(topic)!;
      const result = await runBenchmark(adapters.get(topic)!, definition.benchmark!, definition.timeout_ms, {
        signal: this.#stopping.signal,
      });
      if (this.#stopping.signal.aborted) return false;
      this.benchmark[topic] = result.score;
      this.#log.info({ topic, ...result }, 'benchmark run');
      if (result.score < definition.min_benchmark_score) {
        this.#fail(
          `topic ${topic}: benchmark score ${result.score} is below the minimum ${definition.min_benchmark_score}` +
            (result.reason === null ? '' : ` (${result.reason})`),
        );
        return false;
      }
    }
    return true;
  }

  #startLoops(adapters: Map<string, Adapter>): void {
    const { config, metrics, now, random, calls, outbox, leases, leaseMs } = this.#deps;
    for (const { topic, concurrency } of this.#desired.topics) {
      const loop = startTopicLoop({
        workerId: this.id,
        topic,
        concurrency,
        adapter: adapters.get(topic)!,
        retry: { maxRetries: config.max_retries, delayMs: config.retry_delay_ms, backoff: config.backoff },
        claimWaitMs: config.claim_wait_ms,
        leaseMs,
        pauseMs: config.heartbeat_interval_ms,
        calls,
        outbox,
        leases,
        metrics,
        log: this.#log,
        now,
        random,
        onBusyChange: () => this.#onBusyChange(),
        onRefusal: (error) => this.#onRefusal(error),
      });
      this.#loops.set(topic, loop);
    }
  }

  #startVerifiers(judges: Map<string, Adapter>): void {
    const { calls, outbox, verifyIntervalMs, requestSync } = this.#deps;
    for (const topic of this.#desired.verify_topics) {
      const definition = this.#topics.get(topic)!;
      const verifier = startVerifier({
        workerId: this.id,
        topic,
        adapter: judges.get(topic)!,
        maxLoss: definition.verification?.max_loss ?? null,
        timeoutMs: definition.timeout_ms,
        intervalMs: verifyIntervalMs,
        calls,
        outbox,
        log: this.#log,
        onBusyChange: () => this.#onBusyChange(),
        onRefusal: () => requestSync(),
      });
      this.#verifiers.push(verifier);
    }
  }

  #fail(reason: string): void {
    this.#log.error({ reason }, 'worker error');
    this.#tracker.set('error', reason);
    for (const loop of this.#loops.values()) loop.stopClaiming();
    this.#deps.requestSync();
  }

  /** Working while any slot is busy; ready again only after IDLE_GRACE_MS idle. */
  #onBusyChange(): void {
    if (this.#stopping.signal.aborted) return;
    const tracker = this.#tracker;
    if (this.busySlots() > 0) {
      clearTimeout(this.#idleTimer);
      this.#idleTimer = undefined;
      if (tracker.state === 'ready') tracker.set('working');
    } else if (tracker.state === 'working' && this.#idleTimer === undefined) {
      this.#idleTimer = setTimeout(() => {
        this.#idleTimer = undefined;
        if (this.busySlots() === 0 && tracker.state === 'working' && !this.#stopping.signal.aborted)
          tracker.set('ready');
      }, IDLE_GRACE_MS);
    }
  }

  #onRefusal(error: CoordinatorError): RefusalAction {
    if (error.slug === 'benchmark-too-low') {
      this.#fail(`the coordinator refused claims: ${error.message}`);
      return 'stop';
    }
    // Disabled, unassigned, unknown: the coordinator's wish changed; the next sync says how.
    this.#deps.requestSync();
    return 'pause';
  }
}
