import { randomUUID } from 'node:crypto';
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

let behaviour: JobBehaviour = async () => null;

/**
 * A real module adapter (src/worker/adapters/module.ts) whose module hands each job to the
 * test's current behaviour, so tests steer jobs while the adapter, its threads, its timeout and
 * its cancellation are the real ones. The module runs on the adapter's worker thread, so it
 * asks the test's thread over a BroadcastChannel (one per harness): it sends the payload, and
 * the abort of its signal, and gets back the value or the error's fields.
 */
export function moduleAdapterSource(channel: string): string {
  return `const channel = new BroadcastChannel(${JSON.stringify(channel)});
channel.unref();
const waiting = new Map();
channel.onmessage = ({ data }) => {
  // Every thread hears every answer: each takes only its own calls'.
  const settle = data.kind === 'answer' ? waiting.get(data.id) : undefined;
  if (settle === undefined) return;
  waiting.delete(data.id);
  if (data.ok) settle.resolve(data.value);
  else settle.reject(Object.assign(new Error(data.error.message), data.error));
};
let next = 0;
export default function (payload, { signal }) {
  const id = \`\${Math.random()}-\${next++}\`;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    signal.addEventListener('abort', () => channel.postMessage({ kind: 'abort', id }), { once: true });
    channel.postMessage({ kind: 'call', id, payload });
  });
}
`;
}

/** The test's end of the channel: runs each call with the behaviour set at the time. */
function answerCalls(name: string): { close(): void } {
  const channel = new BroadcastChannel(name);
  const calls = new Map<string, AbortController>();
  channel.onmessage = (event) => {
    const data = (event as MessageEvent).data as { kind: string; id: string; payload?: unknown };
    if (data.kind === 'abort') {
      calls.get(data.id)?.abort();
      return;
    }
    if (data.kind !== 'call') return;
    const controller = new AbortController();
    calls.set(data.id, controller);
    const answer = (reply: object) => {
      calls.delete(data.id);
      channel.postMessage({ kind: 'answer', id: data.id, ...reply });
    };
    behaviour(data.payload, controller.signal).then(
      (value) => answer({ ok: true, value }),
      (err: Error & { code?: unknown; retryable?: unknown }) =>
        answer({ ok: false, error: { message: err.message, code: err.code, retryable: err.retryable } }),
    );
  };
  return { close: () => channel.close() };
}

export function setJobBehaviour(next: JobBehaviour): void {
  behaviour = next;
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
  const channels: Array<{ close(): void }> = [];
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
      const channel = `vigil-worker-test-${randomUUID()}`;
      channels.push(answerCalls(channel));
      writeFileSync(join(dir, 'test-adapter.mjs'), moduleAdapterSource(channel));
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
      for (const channel of channels.splice(0)) channel.close();
      dirs.cleanup();
    },
  };
}
