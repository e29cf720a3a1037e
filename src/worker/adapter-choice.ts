import type { AdapterSpec, TopicDefinition } from '../core/work/topic.ts';
import type { WorkerConfig } from './config.ts';

export type AdapterChoice = { spec: AdapterSpec; from: 'worker-config' | 'coordinator' } | { reason: string };

/**
 * Which adapter runs a topic's jobs on this node: the one the worker's configuration names
 * wins; the topic's own only with `trust_coordinator_adapters`, because an adapter is a
 * command or a URL, and a coordinator must not make nodes run what they did not choose.
 */
export function jobAdapterFor(
  topic: string,
  definition: TopicDefinition | undefined,
  config: Pick<WorkerConfig, 'topics' | 'trust_coordinator_adapters'>,
): AdapterChoice {
  const own = config.topics.find((t) => t.topic === topic)?.adapter ?? null;
  if (own !== null) return { spec: own, from: 'worker-config' };
  if (definition === undefined) return { reason: `topic ${topic} is not known to the coordinator` };
  if (definition.adapter === null) {
    return { reason: `topic ${topic} has no adapter; name one in the worker configuration's topics` };
  }
  if (!config.trust_coordinator_adapters) {
    return {
      reason: `topic ${topic}: no adapter in the worker configuration, and trust_coordinator_adapters is off`,
    };
  }
  return { spec: definition.adapter, from: 'coordinator' };
}

/** The judge's adapter for a verified topic, by the same rule as jobs' adapters. */
export function verifyAdapterFor(
  topic: string,
  definition: TopicDefinition | undefined,
  config: Pick<WorkerConfig, 'verify' | 'trust_coordinator_adapters'>,
): AdapterChoice {
  const own = config.verify.find((t) => t.topic === topic)?.adapter ?? null;
  if (own !== null) return { spec: own, from: 'worker-config' };
  if (definition === undefined) return { reason: `topic ${topic} is not known to the coordinator` };
  if (definition.verification === null) {
    return {
      reason: `topic ${topic} has no verification; name a judge in the worker configuration's verify`,
    };
  }
  if (!config.trust_coordinator_adapters) {
    return {
      reason: `verifying ${topic}: no adapter in the worker configuration, and trust_coordinator_adapters is off`,
    };
  }
  return { spec: definition.verification.adapter, from: 'coordinator' };
}
