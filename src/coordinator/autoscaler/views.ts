import type { ScaledTargetConfig } from '../../config/autoscaler-schema.ts';
import { effectiveBounds } from '../../core/scaling/bounds.ts';
import { toIso } from '../../core/time.ts';
import type { AutoscalerDecisionRow, AutoscalerTargetRow } from '../../store/repositories/autoscaler.ts';

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
    ...effectiveBounds(config, row),
    desired: row?.desired ?? null,
    actual: last?.actual ?? null,
    deployer: config.deployer.kind,
    policies: config.policies.map((p) => p.kind),
    sources: config.sources.map((s) => ({ name: s.name, kind: s.kind })),
    last_scaled_at_ms: row?.last_scaled_at == null ? null : Number(row.last_scaled_at),
    last_decision: last === undefined ? null : decisionView(last),
  };
}
