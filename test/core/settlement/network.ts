import type { KeyObject } from 'node:crypto';
import { exportPublicKey, publicKeyOf } from '../../../src/core/crypto/ed25519.ts';
import { signReport } from '../../../src/core/reports/sign.ts';
import { emptySketch, sketchOf } from '../../../src/core/reports/sketch.ts';
import { compareCodeUnits } from '../../../src/core/reports/summarize.ts';
import type { SignedReport, TargetSummary } from '../../../src/core/reports/types.ts';
import { keyNamed } from '../crypto/keys.ts';

const keys = new Map<string, KeyObject>();

/** The fixed private key of a node (tests only). */
export function keyOf(node: string): KeyObject {
  const key = keys.get(node) ?? keyNamed(node);
  keys.set(node, key);
  return key;
}

/** Registered public keys of these nodes, in text form. */
export function keysFor(nodes: readonly string[]): Map<string, string> {
  return new Map(nodes.map((node) => [node, exportPublicKey(publicKeyOf(keyOf(node)))]));
}

/**
 * A target entry as a monitor would send it; the sketch holds the mean once, enough to be well
 * formed. With `low` it is a version 2 entry carrying `latency_p10_ms` (null exactly when the
 * mean is).
 */
export function summary(
  target: string,
  samples: number,
  down: number,
  mean: number | null,
  low?: number | null,
): TargetSummary {
  const up = samples - down;
  if (mean !== null && up === 0) throw new Error('a mean latency needs an up sample');
  return {
    target,
    samples,
    up_samples: up,
    downtime_intervals: down,
    mean_latency_ms: mean,
    ...(low === undefined ? {} : { latency_p10_ms: low }),
    latency_sketch: mean === null ? emptySketch() : sketchOf([mean]),
  };
}

/** A report signed with the monitor's fixed key: version 2 when its entries carry `latency_p10_ms`. */
export function signedBy(
  monitor: string,
  epoch: number,
  targets: readonly TargetSummary[],
  created_at_ms = 1_700_000_000_000,
): SignedReport {
  const sorted = [...targets].sort((a, b) => compareCodeUnits(a.target, b.target));
  const version = sorted.some((t) => t.latency_p10_ms !== undefined) ? 2 : 1;
  return signReport(
    { version, epoch, monitor, created_at_ms, probe_interval_s: 300, targets: sorted },
    keyOf(monitor),
  );
}

/** Balanced groups of g: node i is audited by nodes i+1 … i+g (mod n). */
export function cyclicAssignments(nodes: readonly string[], g: number): Map<string, string[]> {
  return new Map(
    nodes.map((node, i) => [
      node,
      Array.from({ length: g }, (_, k) => nodes[(i + k + 1) % nodes.length] as string),
    ]),
  );
}
