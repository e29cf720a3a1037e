import { freshReading, type PolicyContext } from './readings.ts';
import type { Proposal, WatermarkPolicy, WatermarkState } from './types.ts';

export const EMPTY_WATERMARK: WatermarkState = Object.freeze({ above: 0, below: 0, last_at: null });

/**
 * The seed's watermark policy with consecutive breach counts: a queue above `high` for
 * `breaches` readings in a row proposes one replica more, below `low` one fewer. The seed
 * counted breaches cumulatively, so a queue that crossed the watermark now and then would
 * eventually scale on old, interrupted evidence; here a reading between the watermarks, or a
 * missing one, starts the count again. A reading already counted (same `at`, ticks faster
 * than the source) changes nothing. After proposing a step the count restarts, so a lasting
 * breach moves one replica per `breaches` readings, as the seed did.
 */
export function watermarkProposal(
  policy: WatermarkPolicy,
  ctx: PolicyContext,
  previous: WatermarkState = EMPTY_WATERMARK,
): { proposal: Proposal; state: WatermarkState } {
  const fresh = freshReading(ctx.readings, policy.metric, ctx.now_ms, policy.max_age_s);
  if (!fresh.ok) {
    return {
      proposal: { policy: policy.name, replicas: null, reason: fresh.why },
      state: { above: 0, below: 0, last_at: previous.last_at },
    };
  }
  const { value, at } = fresh.reading;
  let { above, below } = previous;
  if (previous.last_at === null || at > previous.last_at) {
    above = value > policy.high ? above + 1 : 0;
    below = value < policy.low ? below + 1 : 0;
  }
  const needed = Math.max(1, policy.breaches);
  const shown = `${policy.metric} ${value} (low ${policy.low}, high ${policy.high})`;
  if (above >= needed) {
    return {
      proposal: {
        policy: policy.name,
        replicas: ctx.current + 1,
        reason: `${shown}: above high for ${above} readings in a row`,
      },
      state: { above: 0, below: 0, last_at: at },
    };
  }
  if (below >= needed) {
    return {
      proposal: {
        policy: policy.name,
        replicas: Math.max(0, ctx.current - 1),
        reason: `${shown}: below low for ${below} readings in a row`,
      },
      state: { above: 0, below: 0, last_at: at },
    };
  }
  const counting = above > 0 ? `, ${above}/${needed} above` : below > 0 ? `, ${below}/${needed} below` : '';
  return {
    proposal: { policy: policy.name, replicas: ctx.current, reason: `${shown}${counting}` },
    state: { above, below, last_at: at },
  };
}
