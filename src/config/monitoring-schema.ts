import { z } from 'zod';

// Peer monitoring, epochs and rewards (issue 3). Kept apart from schema.ts so each file stays
// about one part of the system; schema.ts composes them.

const positiveInt = z.number().int().positive();
const fraction = z.number().gt(0).max(1);

export const epochsSchema = z.strictObject({
  genesis: z.iso
    .datetime({ offset: true })
    .default('2026-01-01T00:00:00Z')
    .describe('When epoch first_epoch (0) starts (RFC 3339); epochs follow back to back from here.'),
  first_epoch: z
    .int()
    .min(0)
    .default(0)
    .describe(
      'The number of the epoch that starts at genesis: 0 for a new network; to change the schedule of a running one, the number after its last recorded epoch (docs/operations.md).',
    ),
  length_s: positiveInt
    .default(2_592_000)
    .describe('Length of one epoch (reward period), in seconds; 30 days.'),
  report_window_s: positiveInt
    .default(3600)
    .describe('How long after an epoch ends its signed reports are accepted, in seconds.'),
});

export const monitoringSchema = z.strictObject({
  group_size: positiveInt
    .default(24)
    .describe('Peers that audit each node in an epoch; capped at active nodes − 1.'),
  quorum_fraction: fraction
    .default(0.5)
    .describe("Share of a node's monitoring group whose reports are needed to settle it."),
  probe_interval_s: positiveInt
    .default(300)
    .describe('How often an agent probes each of its targets, in seconds.'),
  probe_timeout_ms: positiveInt
    .default(5000)
    .describe(
      'Timeout of one probe, in ms: the budget to set up a connection and, apart, for the answer on it; a timeout is a failure (docs/agent.md).',
    ),
  interim_period_s: positiveInt
    .default(900)
    .describe('How often agents send interim per-target summaries, in seconds.'),
});

export const rewardsSchema = z.strictObject({
  pool_minor_units: z
    .string()
    .regex(/^\d{1,30}$/, 'expected a whole number of minor units, as a string of digits')
    .default('1000000000')
    .describe('Reward pool of one epoch in integer minor units (a decimal string; never a float).'),
  // Settlement refuses an allowance of 1 (every check down would still pay in full) and one
  // below a microsecond: bounds it does not take would stop every later epoch from settling.
  downtime_allowance_fraction: z
    .number()
    .min(0)
    .lt(1)
    .default(1 / 30)
    .describe('Downtime allowed without penalty, as a share of checks (1/30, as in SKALE); less than 1.'),
  latency_allowance_ms: z
    .number()
    .min(0.001)
    .max(86_400_000)
    .default(150)
    .describe(
      'Median latency allowed without penalty, in ms (SKALE ships 150), from 0.001 to 86,400,000; above it the reward scales by allowed/actual.',
    ),
});
