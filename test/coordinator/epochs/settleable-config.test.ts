import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { monitoringSchema, rewardsSchema } from '../../../src/config/monitoring-schema.ts';
import { configFraction } from '../../../src/coordinator/epochs/fractions.ts';
import { GENESIS_SETTLEMENT_HASH } from '../../../src/core/settlement/document.ts';
import { settleEpoch } from '../../../src/core/settlement/settle.ts';

/** Settles an empty epoch with the configured terms, as the coordinator would. */
const settleWith = (rewards: ReturnType<typeof rewardsSchema.parse>, quorum: number) =>
  settleEpoch({
    epoch: 0,
    previousSettlementHash: GENESIS_SETTLEMENT_HASH,
    assignments: new Map(),
    reports: [],
    monitorKeys: new Map(),
    rewardPool: rewards.pool_minor_units,
    quorumFraction: configFraction(quorum),
    downtimeAllowanceFraction: configFraction(rewards.downtime_allowance_fraction),
    latencyAllowanceMs: rewards.latency_allowance_ms,
  });

describe('configuration that settlement takes', () => {
  it('refuses a downtime allowance of 1 and a latency allowance below a microsecond', () => {
    expect(rewardsSchema.safeParse({ downtime_allowance_fraction: 1 }).success).toBe(false);
    expect(rewardsSchema.safeParse({ latency_allowance_ms: 0.0001 }).success).toBe(false);
    expect(rewardsSchema.safeParse({ downtime_allowance_fraction: 0 }).success).toBe(true);
  });

  it('settles with every allowance and quorum the configuration accepts', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (downtime, latency, quorum) => {
          const rewards = rewardsSchema.safeParse({
            downtime_allowance_fraction: downtime,
            latency_allowance_ms: latency,
          });
          const monitoring = monitoringSchema.safeParse({ quorum_fraction: quorum });
          if (!rewards.success || !monitoring.success) return;
          expect(() => settleWith(rewards.data, monitoring.data.quorum_fraction)).not.toThrow();
        },
      ),
    );
  });
});
