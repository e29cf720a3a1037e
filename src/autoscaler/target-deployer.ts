import { resolve } from 'node:path';
import type { AutoscalerConfig, ScaledTargetConfig } from '../config/autoscaler-schema.ts';
import type { Logger } from '../platform/log.ts';
import type { Deployer } from './deployers/deployer.ts';
import { createDeployer } from './deployers/index.ts';

export interface DeployerDeps {
  settings: Pick<AutoscalerConfig, 'coordinator_url' | 'worker_api_key'>;
  log: Logger;
  now?: () => number;
  /** Where relative paths (a process deployer's state_dir) start; the working directory by default. */
  baseDir?: string;
}

/**
 * What a target's replicas run: `vigil worker` for the target's topic at its concurrency, with
 * the topic's own adapter (the coordinator's definition), talking to the coordinator; the
 * deployer's `worker` keys go over it, and the deployer sets each replica's node and paths.
 */
export function replicaWorkerConfig(
  target: ScaledTargetConfig,
  coordinatorUrl: string,
): Record<string, unknown> {
  const overrides =
    target.deployer.kind === 'process' || target.deployer.kind === 'docker' ? target.deployer.worker : {};
  return {
    coordinator_url: coordinatorUrl,
    pool: target.name,
    ...(target.topic === undefined
      ? {}
      : {
          topics: [{ topic: target.topic, concurrency: target.concurrency, adapter: null }],
          trust_coordinator_adapters: true,
        }),
    ...overrides,
  };
}

/** The deployer a target's configuration names, with what its replicas run. */
export function deployerForTarget(target: ScaledTargetConfig, deps: DeployerDeps): Deployer {
  const { settings, log } = deps;
  const apiKey = settings.worker_api_key ?? process.env['VIGIL_WORKER_API_KEY'] ?? null;
  const common = {
    target: target.name,
    worker: replicaWorkerConfig(target, settings.coordinator_url),
    apiKey,
  };
  const using = {
    log: log.child({ target: target.name }),
    ...(deps.now === undefined ? {} : { now: deps.now }),
  };
  const d = target.deployer;
  switch (d.kind) {
    case 'process':
      return createDeployer(
        {
          kind: 'process',
          ...common,
          stateDir: resolve(deps.baseDir ?? process.cwd(), d.state_dir),
          env: d.env,
          ...(d.command === undefined ? {} : { command: d.command }),
        },
        using,
      );
    case 'docker':
      return createDeployer(
        {
          kind: 'docker',
          ...common,
          image: d.image,
          env: d.env,
          networkMode: d.network_mode,
          binds: d.binds,
          labels: d.labels,
          pull: d.pull,
          ...(d.socket_path === undefined ? {} : { socketPath: d.socket_path }),
          ...(d.command === undefined ? {} : { command: d.command }),
        },
        using,
      );
    case 'kubernetes':
      return createDeployer(
        {
          kind: 'kubernetes',
          namespace: d.namespace,
          workload: d.workload,
          name: d.name,
          ...(d.kubeconfig === undefined ? {} : { kubeconfig: d.kubeconfig }),
        },
        using,
      );
    case 'ecs':
      return createDeployer(
        {
          kind: 'ecs',
          cluster: d.cluster,
          service: d.service,
          ...(d.region === undefined ? {} : { region: d.region }),
          ...(d.endpoint === undefined ? {} : { endpoint: d.endpoint }),
        },
        using,
      );
  }
}
