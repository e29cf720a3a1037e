/** What a scaled target's configuration says of its pause and bounds. */
export interface ConfiguredBounds {
  paused: boolean;
  min_replicas: number;
  max_replicas: number;
}

/** An operator's changes over them, as stored (paused 1 or 0); null: the configuration's. */
export interface BoundsOverrides {
  paused: number | null;
  min_replicas: number | null;
  max_replicas: number | null;
}

export interface EffectiveBounds extends ConfiguredBounds {
  /** Which of them an operator set; the rest are the configuration's. */
  changed_by_operator: Array<'paused' | 'min_replicas' | 'max_replicas'>;
}

/** A target's pause and bounds as they act now: the operator's changes over the configuration. */
export function effectiveBounds(
  configured: ConfiguredBounds,
  overrides: BoundsOverrides | undefined,
): EffectiveBounds {
  const changed: EffectiveBounds['changed_by_operator'] = [];
  if (overrides?.paused != null) changed.push('paused');
  if (overrides?.min_replicas != null) changed.push('min_replicas');
  if (overrides?.max_replicas != null) changed.push('max_replicas');
  return {
    paused: overrides?.paused == null ? configured.paused : overrides.paused === 1,
    min_replicas: overrides?.min_replicas ?? configured.min_replicas,
    max_replicas: overrides?.max_replicas ?? configured.max_replicas,
    changed_by_operator: changed,
  };
}
