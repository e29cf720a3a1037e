import { type Logger, silentLogger } from '../../platform/log.ts';
import type { Deployer } from './deployer.ts';
import { createDockerDeployer, type DockerDeployerConfig } from './docker.ts';
import { createEcsDeployer } from './ecs.ts';
import { createKubernetesDeployer } from './kubernetes.ts';
import { createProcessDeployer, type ProcessDeployerConfig } from './process.ts';

/** A Deployment or StatefulSet scaled through its scale subresource. */
export interface KubernetesDeployerSettings {
  kind: 'kubernetes';
  /** Default `default`. */
  namespace?: string;
  /** Default `Deployment`. */
  workload?: 'Deployment' | 'StatefulSet';
  name: string;
  /** A kubeconfig file; KUBECONFIG, ~/.kube/config, then in-cluster when absent. */
  kubeconfig?: string;
}

/** An ECS service scaled through its desiredCount. */
export interface EcsDeployerSettings {
  kind: 'ecs';
  cluster: string;
  service: string;
  /** Default AWS_REGION. */
  region?: string;
  /** An http(s) URL of an ECS-compatible endpoint instead of the region's. */
  endpoint?: string;
}

/** One deployer's configuration, told apart by `kind`. */
export type DeployerConfig =
  | ({ kind: 'process' } & Omit<ProcessDeployerConfig, 'log' | 'now'>)
  | ({ kind: 'docker' } & Omit<DockerDeployerConfig, 'log' | 'now'>)
  | KubernetesDeployerSettings
  | EcsDeployerSettings;

/** What every deployer may be given beside its configuration. */
export interface DeployerDeps {
  log?: Logger;
  now?: () => number;
}

/** The deployer a configuration names; its logger says which kind speaks. */
export function createDeployer(config: DeployerConfig, deps: DeployerDeps = {}): Deployer {
  const log = (deps.log ?? silentLogger).child({ deployer: config.kind });
  const now = deps.now === undefined ? {} : { now: deps.now };
  switch (config.kind) {
    case 'process': {
      const { kind: _, ...rest } = config;
      return createProcessDeployer({ ...rest, log, ...now });
    }
    case 'docker': {
      const { kind: _, ...rest } = config;
      return createDockerDeployer({ ...rest, log, ...now });
    }
    case 'kubernetes': {
      const { kind: _, ...rest } = config;
      return createKubernetesDeployer({ ...rest, log });
    }
    case 'ecs': {
      const { kind: _, ...rest } = config;
      return createEcsDeployer({ ...rest, log });
    }
  }
}
