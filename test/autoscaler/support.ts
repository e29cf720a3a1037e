import type {
  Deployer,
  Replica,
  ScaleDownOptions,
  ScaleResult,
} from '../../src/autoscaler/deployers/deployer.ts';

/**
 * A stand-in deployer for the autoscaler loop's own tests: replicas are entries in a shared
 * map (the "platform"), so two deployer objects over the same map see the same replicas, as
 * two autoscalers over one real platform would. The real deployers have their own suites
 * (test/autoscaler/deployers/).
 */
export class RecordingDeployer implements Deployer {
  readonly kind = 'process' as const;
  readonly calls: Array<{ count: number; remove: readonly string[] }> = [];
  failReads = false;
  private next = 0;

  readonly platform: Map<string, Replica>;
  private readonly now: () => number;

  constructor(platform: Map<string, Replica> = new Map(), now: () => number = Date.now) {
    this.platform = platform;
    this.now = now;
  }

  async replicas(): Promise<Replica[]> {
    if (this.failReads) throw new Error('platform unreachable');
    return [...this.platform.values()];
  }

  async scaleTo(count: number, remove: readonly string[], _options: ScaleDownOptions): Promise<ScaleResult> {
    this.calls.push({ count, remove });
    const started: string[] = [];
    const stopping: string[] = [];
    const live = () => [...this.platform.values()].filter((r) => r.state !== 'stopped');
    while (live().length < count) {
      const id = `r-${++this.next}-${Math.random().toString(36).slice(2, 6)}`;
      this.platform.set(id, { id, state: 'running', started_at: this.now() });
      started.push(id);
    }
    for (const id of remove) {
      if (live().length <= count) break;
      if (this.platform.delete(id)) stopping.push(id);
    }
    return { started, stopping, detail: `started ${started.length}, stopped ${stopping.length}` };
  }

  async close(): Promise<void> {}
}
