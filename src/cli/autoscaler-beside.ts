import type { VigilConfig } from '../config/schema.ts';
import type { RunningCoordinator } from '../coordinator/server.ts';
import type { Logger } from '../platform/log.ts';

/**
 * Runs the autoscaler in the coordinator's process when `autoscaler.enabled` (vigil up does):
 * on the coordinator's own store, queue and /metrics, stopped before the coordinator closes
 * them. A configuration it cannot start with stops the coordinator's start too. With
 * `stopReplicasOnClose` (vigil up) the process replicas are drained and stopped as well.
 */
export async function startAutoscalerBeside(
  coordinator: RunningCoordinator,
  config: VigilConfig,
  log: Logger,
  { stopReplicasOnClose = false }: { stopReplicasOnClose?: boolean } = {},
): Promise<void> {
  if (!config.autoscaler.enabled) return;
  const { startAutoscalerRole, stopProcessReplicas } = await import('../autoscaler/role.ts');
  try {
    const autoscaler = await startAutoscalerRole({
      store: coordinator.store,
      queue: coordinator.queue,
      config,
      registry: coordinator.registry,
      log,
    });
    coordinator.beforeClose(async () => {
      await autoscaler.stop();
      if (stopReplicasOnClose) await stopProcessReplicas(config, { log });
    });
  } catch (error) {
    await coordinator.close();
    throw error;
  }
}
