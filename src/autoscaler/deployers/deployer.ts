/**
 * The contract every deployer keeps (process, docker, kubernetes, ecs). A deployer is bound
 * to one scaled target and is level-triggered: each tick the autoscaler reads the replicas back
 * from the platform itself, compares them with the desired count stored in the database, and
 * asks for the difference. A deployer keeps no count of its own in memory, so a crash or a
 * restart of the autoscaler loses nothing, and two deployer objects over the same target agree.
 * One conformance suite (test/autoscaler/deployers/conformance.ts) runs against every one.
 */

/** Where a replica is in its life, as the platform reports it. */
export type ReplicaState = 'starting' | 'running' | 'draining' | 'stopped';

/** One replica of the target, read from the platform. */
export interface Replica {
  /** Stable for the replica's life: a process's name, a container id, a pod or task name. */
  id: string;
  state: ReplicaState;
  /** When the platform started it (UTC ms), if it says. */
  started_at: number | null;
  /**
   * The Vigil node the replica acts as, when the deployer knows it (process and docker set each
   * replica's node id themselves); a scale-down then weighs that node's busy slots and quality
   * score, and retires that node. Absent (kubernetes, ecs), the replica's id stands in for it.
   */
  node_id?: string | null;
}

/** How a scale-down treats the replicas it removes. */
export interface ScaleDownOptions {
  /**
   * How long a removed replica may drain (finish or hand back its jobs, as `vigil worker`
   * does on SIGTERM) before it is stopped regardless; its leases then expire and re-run.
   */
  drainTimeoutMs: number;
}

/** What one `scaleTo` call did, for the decision's record. */
export interface ScaleResult {
  /** Replicas asked to start (ids where the platform names them at once). */
  started: string[];
  /** Replicas asked to drain and stop. */
  stopping: string[];
  /** Free text for the decision's log line ("set spec.replicas 3 → 5"). */
  detail: string;
}

export interface Deployer {
  readonly kind: 'process' | 'docker' | 'kubernetes' | 'ecs';
  /** Every replica of this target that is not stopped, read from the platform. */
  replicas(): Promise<Replica[]>;
  /**
   * Makes the platform run `count` replicas. When that is fewer than now, `remove` names the
   * replicas to go, most preferred first (the autoscaler picks idle ones first, then the
   * lowest quality score): a deployer that can choose (process, docker) drains and stops
   * exactly those; one that cannot (kubernetes, ecs) steers the platform towards them
   * (pod-deletion-cost, task scale-in protection of the others) and sets the count.
   * Asking again for the count it already runs changes nothing. Ids in `remove` that are not
   * this target's serving replicas are ignored; when it names too few, the deployer picks the
   * rest. Draining replicas do not count towards the target's size. A deployer that stops
   * replicas itself (process, docker) resolves when the ones it removes have stopped.
   */
  scaleTo(count: number, remove: readonly string[], options: ScaleDownOptions): Promise<ScaleResult>;
  /** Lets go of clients and watchers; the replicas keep running. Safe to call twice. */
  close(): Promise<void>;
}

/** A deployer that failed to read or change the platform: the tick holds the current count. */
export class DeployerError extends Error {
  readonly deployer: Deployer['kind'];
  constructor(deployer: Deployer['kind'], message: string, options?: { cause?: unknown }) {
    super(`${deployer} deployer: ${message}`, options);
    this.name = 'DeployerError';
    this.deployer = deployer;
  }
}
