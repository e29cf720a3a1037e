import { Type } from 'typebox';
import { CHECKED_BY_HANDLER } from '../http/validation.ts';

// A monitor's signed report as the API description shows it (core/reports/types.ts is the
// definition; core/reports/validate.ts checks every report, with what a schema cannot say:
// the signature, targets sorted and distinct, counts that add up, sketches well formed).

const LatencySketch = Type.Object(
  {
    relative_accuracy: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
    zero_count: Type.Integer({ minimum: 0 }),
    key_offset: Type.Integer(),
    counts: Type.Array(Type.Integer({ minimum: 0 }), {
      description: 'Dense bin counts from key_offset; both ends non-zero, empty for an empty sketch',
    }),
  },
  { additionalProperties: false },
);

const TargetSummary = Type.Object(
  {
    target: Type.String({ description: 'The audited node id' }),
    samples: Type.Integer({ minimum: 0 }),
    up_samples: Type.Integer({ minimum: 0 }),
    downtime_intervals: Type.Integer({ minimum: 0, description: 'samples − up_samples' }),
    mean_latency_ms: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], {
      description:
        'Mean latency of up probes in whole microseconds (at most 3 decimals); null when none measured one',
    }),
    latency_p10_ms: Type.Optional(
      Type.Union([Type.Number({ minimum: 0 }), Type.Null()], {
        description:
          'Version 2 (and then required): nearest-rank 10th percentile of the same latencies in whole microseconds, the figure settlement uses; null exactly when the mean is',
      }),
    ),
    latency_sketch: LatencySketch,
  },
  { additionalProperties: false },
);

export const SignedReportBody = Type.Object(
  {
    report: Type.Object(
      {
        version: Type.Union([Type.Literal(1), Type.Literal(2)], {
          description: '2 since target entries carry latency_p10_ms; version 1 reports are still accepted',
        }),
        epoch: Type.Integer({ minimum: 0, description: 'Must be the epoch in the path' }),
        monitor: Type.String({ description: 'The monitor’s node id; must be the request’s signer' }),
        created_at_ms: Type.Integer({ minimum: 0 }),
        probe_interval_s: Type.Integer({ minimum: 1 }),
        targets: Type.Array(TargetSummary, { description: 'Sorted by target, one entry per target' }),
      },
      { additionalProperties: false },
    ),
    signature: Type.String({
      description:
        'ed25519 signature of the report’s RFC 8785 canonical JSON by the monitor, base64url without padding',
    }),
  },
  {
    additionalProperties: false,
    description: 'A monitor’s signed epoch report (docs/settlement.md, "Reports")',
    [CHECKED_BY_HANDLER]: true,
  },
);
