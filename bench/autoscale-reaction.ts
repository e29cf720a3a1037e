import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type RunningAutoscaler, startAutoscaler } from '../src/autoscaler/autoscaler.ts';
import type { Deployer } from '../src/autoscaler/deployers/deployer.ts';
import { deployerForTarget } from '../src/autoscaler/target-deployer.ts';
import { configSchema, defaultConfig } from '../src/config/index.ts';
import { topicSchema } from '../src/config/topic-schema.ts';
import { createApiKey } from '../src/coordinator/auth/keys.ts';
import { type RunningCoordinator, startCoordinator } from '../src/coordinator/server.ts';
import { silentLogger } from '../src/platform/log.ts';
import { machine, parseCount } from './lib/common.ts';

const SHA256_CHAIN = fileURLToPath(new URL('../examples/adapters/sha256-chain.mjs', import.meta.url));
const TOPIC = 'reaction';

/**
 * `npm run bench -- autoscale-reaction [--runs 5] [--jobs 20]`
 *
 * Issue 15: how soon a pool scaled to zero reacts to a burst, with real processes. Each run
 * starts a coordinator (in-process, on a fresh SQLite file) and an autoscaler whose target uses
 * the `process` deployer (real `vigil worker` replicas, min 0), submits a burst of jobs over
 * HTTP, and measures from the first job submitted to the deployer's first start call, to the
 * first claim by a replica, and to the first job finished. The run then stops its replicas, so
 * every burst meets a pool of zero. KEDA's defaults (a 30 s polling interval, then the HPA's
 * 15 s sync) react within up to 45 s; the autoscaler's queue ticks aim at under a second.
 */
export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { runs: { type: 'string' }, jobs: { type: 'string' } },
  });
  const runs = parseCount(values.runs, 5);
  const jobs = parseCount(values.jobs, 20);
  console.log(
    `autoscale-reaction: ${runs} runs, a burst of ${jobs} jobs (sha256-chain, a process per job) ` +
      'on a pool of 0 process replicas, default queue_poll_ms (250)',
  );
  console.log(`machine: ${machine()}`);
  console.log('\n  run   to start call   to first claim   to first finished   replicas asked (first / most)');

  const measured: Run[] = [];
  for (let i = 1; i <= runs; i++) {
    const run = await oneRun(jobs);
    measured.push(run);
    console.log(
      `  ${String(i).padStart(3)}   ${ms(run.startCallMs).padStart(13)}   ${ms(run.firstClaimMs).padStart(14)}` +
        `   ${ms(run.firstFinishedMs).padStart(17)}   ${`${run.asked} / ${run.most}`.padStart(30)}`,
    );
  }
  const line = (label: string, pick: (r: Run) => number) => {
    const xs = measured.map(pick).sort((a, b) => a - b);
    console.log(
      `  ${label.padEnd(18)} median ${ms(median(xs)).padStart(8)}   max ${ms(xs.at(-1) ?? NaN).padStart(8)}`,
    );
  };
  console.log('');
  line('to start call', (r) => r.startCallMs);
  line('to first claim', (r) => r.firstClaimMs);
  line('to first finished', (r) => r.firstFinishedMs);
  console.log(
    '\n  KEDA with its defaults: pollingInterval 30 s, then the HPA syncs every 15 s: up to 45 s' +
      ' from a burst to the scale call (0 → 1 by KEDA itself: up to 30 s). Target here: < 1 s to the start call.',
  );
}

interface Run {
  startCallMs: number;
  firstClaimMs: number;
  firstFinishedMs: number;
  /** Replicas the first start call asked for. */
  asked: number;
  /** The most replicas asked for until the first job finished. */
  most: number;
}

/** A deployer that notes when it is first asked to start a replica. */
function observed(deployer: Deployer, onStart: (at: number, count: number) => void): Deployer {
  return {
    kind: deployer.kind,
    replicas: () => deployer.replicas(),
    async scaleTo(count, remove, options) {
      const live = (await deployer.replicas()).filter((r) => r.state !== 'stopped' && r.state !== 'draining');
      const at = Date.now();
      if (count > live.length) onStart(at, count);
      return deployer.scaleTo(count, remove, options);
    },
    close: () => deployer.close(),
  };
}

async function oneRun(jobs: number): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-reaction-'));
  let coordinator: RunningCoordinator | undefined;
  let autoscaler: RunningAutoscaler | undefined;
  let deployer: Deployer | undefined;
  try {
    const config = defaultConfig();
    config.database_url = join(dir, 'vigil.db');
    config.port = 0;
    config.auth.signing_key_path = join(dir, 'coordinator.key');
    config.topics = [
      topicSchema.parse({
        name: TOPIC,
        adapter: { kind: 'command', command: process.execPath, args: [SHA256_CHAIN] },
        timeout_ms: 10_000,
        deadline_ms: 30_000,
      }),
    ];
    coordinator = await startCoordinator(config, { log: silentLogger });
    const base = coordinator.url.replace('://[::1]', '://127.0.0.1');
    const operator = await createApiKey(coordinator.store.db, 'operator', 'bench');
    const settings = configSchema.parse({
      autoscaler: {
        enabled: true,
        coordinator_url: base,
        worker_api_key: operator.key,
        targets: [
          {
            name: 'reaction-pool',
            topic: TOPIC,
            concurrency: 2,
            min_replicas: 0,
            max_replicas: 4,
            deployer: {
              kind: 'process',
              state_dir: join(dir, 'replicas'),
              worker: { heartbeat_interval_ms: 2_000, claim_wait_ms: 2_000, drain_timeout_ms: 5_000 },
            },
            policies: [{ kind: 'backlog', deadline_s: 10, service_s: 0.3, startup_s: 2 }],
            drain_timeout_ms: 8_000,
          },
        ],
      },
    }).autoscaler;

    const starts: Array<{ at: number; count: number }> = [];
    autoscaler = startAutoscaler({
      store: coordinator.store,
      queue: coordinator.queue,
      config: settings,
      registry: coordinator.registry,
      log: silentLogger,
      deployerFor: (target) => {
        deployer = observed(deployerForTarget(target, { settings, log: silentLogger }), (at, count) =>
          starts.push({ at, count }),
        );
        return deployer;
      },
      sourceFor: () => {
        throw new Error('the bench target has no sources');
      },
    });
    // Acting, and its tick at start (nothing to do) behind it: the burst meets a settled pool.
    await until(() => autoscaler?.isLeader() === true, 10_000, 'the autoscaler acting');
    await autoscaler.tickNow();

    const headers = { 'content-type': 'application/json', authorization: `Bearer ${operator.key}` };
    const t0 = Date.now();
    const ids = await Promise.all(
      Array.from({ length: jobs }, async (_, n) => {
        const res = await fetch(`${base}/jobs`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            topic: TOPIC,
            tenant_id: 'bench',
            payload: { data: `burst-${n}`, rounds: 1000 },
          }),
        });
        const body = (await res.json()) as { job_id?: string };
        if (res.status !== 201 || body.job_id === undefined)
          throw new Error(`POST /jobs answered ${res.status}: ${JSON.stringify(body)}`);
        return body.job_id;
      }),
    );

    const db = coordinator.store.db;
    const firsts = async () =>
      await db
        .selectFrom('jobs')
        .select((eb) => [eb.fn.min('started_at').as('claimed'), eb.fn.min('finished_at').as('finished')])
        .where('job_id', 'in', ids)
        .where('status', '=', 'succeeded')
        .executeTakeFirst();
    let first: Awaited<ReturnType<typeof firsts>>;
    await until(
      async () => {
        first = await firsts();
        return first?.finished != null;
      },
      60_000,
      'a job of the burst finished',
    );
    const startCall = starts.find((s) => s.at >= t0);
    if (startCall === undefined) throw new Error('the deployer was never asked to start a replica');
    return {
      startCallMs: startCall.at - t0,
      asked: startCall.count,
      most: Math.max(...starts.filter((s) => s.at >= t0).map((s) => s.count)),
      firstClaimMs: Number(first?.claimed) - t0,
      firstFinishedMs: Number(first?.finished) - t0,
    };
  } finally {
    await autoscaler?.stop();
    // Back to zero: the replicas drain and exit before the next run's burst.
    if (deployer !== undefined) {
      await deployer.scaleTo(
        0,
        (await deployer.replicas()).map((r) => r.id),
        { drainTimeoutMs: 8_000 },
      );
      await deployer.close();
    }
    await coordinator?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function median(sorted: readonly number[]): number {
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function ms(value: number): string {
  return Number.isFinite(value) ? `${Math.round(value)} ms` : '—';
}
