import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TopicInput } from '../../../src/config/topic-schema.ts';
import { loadOrCreateIdentity } from '../../../src/node-client/identity.ts';
import { parseWorkerConfig, type WorkerConfig, type WorkerConfigInput } from '../../../src/worker/config.ts';
import { startWorkerHost, type WorkerHost, type WorkerHostOptions } from '../../../src/worker/host.ts';
import { captureLog } from '../../helpers/capture-log.ts';
import { tempDirs } from '../../helpers/temp-dirs.ts';
import { type FakeCoordinator, startFakeCoordinator } from './fake-coordinator.ts';

/** What the test module adapter calls: the test decides what each job does. */
export type JobBehaviour = (payload: unknown, signal: AbortSignal) => Promise<unknown>;

const HOOK = '__vigilWorkerTestJob';

/**
 * A real module adapter (src/worker/adapters/module.ts) whose module hands each job to the
 * test's current behaviour, so tests steer jobs while the adapter, its timeout and its
 * cancellation are the real ones.
 */
export const MODULE_ADAPTER_SOURCE = `export default function (payload, { signal }) {
  return globalThis.${HOOK}(payload, signal);
}
`;

export function setJobBehaviour(behaviour: JobBehaviour): void {
  (globalThis as Record<string, unknown>)[HOOK] = behaviour;
}

export const echo: JobBehaviour = async (payload) => ({ echo: payload });

/** Resolves once `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

export const testModuleAdapter = { kind: 'module', path: 'test-adapter.mjs' } as const;

/** Fast timings, so every wait in a test is short and bounded. */
export const FAST = {
  heartbeat_interval_ms: 150,
  claim_wait_ms: 300,
  request_timeout_ms: 1000,
  retry_delay_ms: 10,
  drain_timeout_ms: 1000,
  outbox_max_backoff_ms: 200,
} satisfies WorkerConfigInput;

export interface Harness {
  dir: string;
  fake: FakeCoordinator;
  nodeId: string;
  log: ReturnType<typeof captureLog>;
  config(extra?: WorkerConfigInput): WorkerConfig;
  start(config: WorkerConfig, options?: WorkerHostOptions): Promise<WorkerHost>;
}

/** Per test file: temp dirs, fake coordinators and hosts, all stopped by `cleanup`. */
export function harnesses() {
  const dirs = tempDirs();
  const hosts: WorkerHost[] = [];
  const fakes: FakeCoordinator[] = [];
  return {
    async make({
      topics = [],
      leaseMs,
      registered = true,
    }: {
      topics?: TopicInput[];
      leaseMs?: number;
      /** Whether the fake knows the node's key from the start (else it must register). */
      registered?: boolean;
    } = {}): Promise<Harness> {
      const dir = dirs.make('vigil-worker-');
      const identity = await loadOrCreateIdentity(join(dir, 'node.key'));
      const fake = await startFakeCoordinator({
        keys: registered ? { [identity.nodeId]: identity.publicKey } : {},
        ...(leaseMs === undefined ? {} : { leaseMs }),
      });
      fakes.push(fake);
      for (const topic of topics) fake.addTopic(topic);
      writeFileSync(join(dir, 'test-adapter.mjs'), MODULE_ADAPTER_SOURCE);
      const log = captureLog();
      // Each entry gets the time it was logged, for tests that order events.
      const stamp = (l: ReturnType<typeof captureLog>): ReturnType<typeof captureLog> => ({
        entries: l.entries,
        debug: (o, m) => l.debug({ ...o, at_ms: Date.now() }, m),
        info: (o, m) => l.info({ ...o, at_ms: Date.now() }, m),
        warn: (o, m) => l.warn({ ...o, at_ms: Date.now() }, m),
        error: (o, m) => l.error({ ...o, at_ms: Date.now() }, m),
        child: (b) => stamp(l.child(b) as ReturnType<typeof captureLog>),
      });

      return {
        dir,
        fake,
        nodeId: identity.nodeId,
        log,
        config: (extra = {}) =>
          parseWorkerConfig(
            { coordinator_url: fake.url, key_path: 'node.key', data_dir: 'data', ...FAST, ...extra },
            'test',
          ),
        async start(config, options = {}) {
          const host = await startWorkerHost(config, {
            baseDir: dir,
            log: stamp(log),
            verifyIntervalMs: 100,
            ...options,
          });
          hosts.push(host);
          return host;
        },
      };
    },
    async cleanup() {
      await Promise.all(hosts.splice(0).map((h) => h.stop('test over')));
      await Promise.all(fakes.splice(0).map((f) => f.close()));
      dirs.cleanup();
    },
  };
}
