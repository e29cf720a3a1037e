import type { ScaledTargetConfig } from '../../config/autoscaler-schema.ts';
import { toIso } from '../../core/time.ts';
import type { AutoscalerDecisionRow, AutoscalerTargetRow } from '../../store/repositories/autoscaler.ts';

/** A target as it acts now: the configuration with the operator's changes over it. */
export interface EffectiveTarget {
  paused: boolean;
  min_replicas: number;
  max_replicas: number;
  /** Which of paused and the bounds an operator set (the rest are the configuration's). */
  changed_by_operator: Array<'paused' | 'min_replicas' | 'max_replicas'>;
}

export function effectiveTarget(
  config: ScaledTargetConfig,
  row: AutoscalerTargetRow | undefined,
): EffectiveTarget {
  const changed: EffectiveTarget['changed_by_operator'] = [];
  if (row?.paused != null) changed.push('paused');
  if (row?.min_replicas != null) changed.push('min_replicas');
  if (row?.max_replicas != null) changed.push('max_replicas');
  return {
    paused: row?.paused == null ? config.paused : row.paused === 1,
    min_replicas: row?.min_replicas ?? config.min_replicas,
    max_replicas: row?.max_replicas ?? config.max_replicas,
    changed_by_operator: changed,
  };
}

const parse = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

export function decisionView(row: AutoscalerDecisionRow) {
  return {
    id: row.id,
    target: row.target,
    at: toIso(Number(row.at)),
    at_ms: Number(row.at),
    tick: row.tick,
    reason: row.reason,
    actual: row.actual,
    previous_desired: row.previous_desired,
    desired: row.desired,
    inputs: parse(row.inputs),
    proposals: parse(row.proposals),
    action: parse(row.action),
  };
}

export function targetView(
  config: ScaledTargetConfig,
  row: AutoscalerTargetRow | undefined,
  last: AutoscalerDecisionRow | undefined,
) {
  return {
    name: config.name,
    topic: config.topic ?? null,
    ...effectiveTarget(config, row),
    desired: row?.desired ?? null,
    actual: last?.actual ?? null,
    deployer: config.deployer.kind,
    policies: config.policies.map((p) => p.kind),
    sources: config.sources.map((s) => ({ name: s.name, kind: s.kind })),
    last_scaled_at_ms: row?.last_scaled_at == null ? null : Number(row.last_scaled_at),
    last_decision: last === undefined ? null : decisionView(last),
  };
}
