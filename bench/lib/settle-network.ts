import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportPublicKey, nodeIdFromPublicKey, publicKeyOf } from '../../src/core/crypto/ed25519.ts';
import { assignGroups } from '../../src/core/monitoring/assignment.ts';
import { epochSeed } from '../../src/core/monitoring/seed.ts';
import { signReport } from '../../src/core/reports/sign.ts';
import { compareCodeUnits } from '../../src/core/reports/summarize.ts';
import type { TargetSummary } from '../../src/core/reports/types.ts';
import { seededRandom } from '../../src/simulator/profiles.ts';
import { type LatencyShape, syntheticSketch } from './synthetic-sketch.ts';

/** 300 s probes over a 30-day epoch. */
export const PROBES_PER_EPOCH = 8_640;
export const PROBE_INTERVAL_S = 300;
export const BENCH_EPOCH = 12;
/** 1,000,000.00 in minor units. */
export const BENCH_REWARD_POOL = '100000000';

/** Everything `settleEpoch` needs, in a form that can be written to disk and read back. */
export interface SettleNetwork {
  epoch: number;
  previousSettlementHash: string;
  /** target → its monitors */
  assignments: [string, string[]][];
  /** node id → public key text */
  monitorKeys: [string, string][];
  /** One signed report per monitor, as the coordinator stores a request body: JSON text. */
  reportTexts: string[];
}

export interface NetworkSpec {
  nodes: number;
  groupSize: number;
  seed: number;
}

/** PKCS#8 DER header of an ed25519 private key; the 32-byte seed follows. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function benchKey(seed: number, index: number): KeyObject {
  const raw = createHash('sha256').update(`vigil-bench-settle:${seed}:${index}`).digest();
  return createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, raw]),
    format: 'der',
    type: 'pkcs8',
  });
}

/** How a node behaves over the epoch, as every honest monitor sees it. */
interface NodeBehaviour {
  downIntervals: number;
  /** Latency from a typical monitor, before the path's own factor. */
  medianMs: number;
}

function behaviourOf(random: () => number): NodeBehaviour {
  const r = random();
  // 90 % barely down, 7 % one outage of an hour to two days, 3 % down for much of the epoch.
  const downIntervals =
    r < 0.9
      ? Math.floor(random() * 6)
      : r < 0.97
        ? 12 + Math.floor(random() * 576)
        : 1_000 + Math.floor(random() * 7_000);
  // Medians from about 5 to 300 ms (log-uniform): a network spread over continents.
  const medianMs = Math.exp(Math.log(5) + random() * Math.log(60));
  return { downIntervals, medianMs };
}

function pathShape(node: NodeBehaviour, random: () => number): LatencyShape {
  return {
    medianMs: node.medianMs * (0.7 + 0.6 * random()),
    sigma: 0.05 + 0.3 * random(),
    tailShare: 0.002 + 0.02 * random(),
    tailFactor: 2 + 4 * random(),
    tailSigma: 0.4 + 0.4 * random(),
  };
}

/** One monitor's summary of one target: a few probes discarded, downtime seen give or take one. */
function observe(target: string, node: NodeBehaviour, random: () => number): TargetSummary {
  const samples = PROBES_PER_EPOCH - Math.floor(random() * random() * 40);
  const jitter = Math.floor(random() * 3) - 1;
  const down = Math.min(samples, Math.max(0, node.downIntervals + jitter));
  const up = samples - down;
  const { sketch, meanMs } = syntheticSketch(pathShape(node, random), up, random);
  return {
    target,
    samples,
    up_samples: up,
    downtime_intervals: down,
    mean_latency_ms: meanMs,
    latency_sketch: sketch,
  };
}

/**
 * The network: `nodes` nodes with deterministic keys and ids as `vigil keys init`
 * makes them, groups from `assignGroups` with the epoch's public seed, and one signed,
 * honest report per monitor covering all its targets. Same spec, same bytes.
 */
export function buildSettleNetwork(
  { nodes, groupSize, seed }: NetworkSpec,
  progress: (done: number) => void = () => {},
): SettleNetwork {
  const privateKeys: KeyObject[] = [];
  const ids: string[] = [];
  const monitorKeys: [string, string][] = [];
  for (let i = 0; i < nodes; i++) {
    const key = benchKey(seed, i);
    const publicKey = exportPublicKey(publicKeyOf(key));
    privateKeys.push(key);
    ids.push(nodeIdFromPublicKey(publicKey));
    monitorKeys.push([ids[i] as string, publicKey]);
  }
  const keyOf = new Map(ids.map((id, i) => [id, privateKeys[i] as KeyObject]));
  const previousSettlementHash = createHash('sha256').update(`vigil-bench-settle:${seed}`).digest('hex');
  const assignment = assignGroups({
    nodes: ids,
    groupSize,
    seedHex: epochSeed(BENCH_EPOCH, previousSettlementHash),
  });
  const random = seededRandom(seed);
  const behaviour = new Map(ids.map((id) => [id, behaviourOf(random)]));

  const monitors = [...assignment.targetsOf.keys()].sort(compareCodeUnits);
  const reportTexts: string[] = [];
  for (const monitor of monitors) {
    const targets = [...(assignment.targetsOf.get(monitor) ?? [])].sort(compareCodeUnits);
    const report = {
      version: 1 as const,
      epoch: BENCH_EPOCH,
      monitor,
      created_at_ms: 1_795_737_600_000 + Math.floor(random() * 3_600_000),
      probe_interval_s: PROBE_INTERVAL_S,
      targets: targets.map((target) => observe(target, behaviour.get(target) as NodeBehaviour, random)),
    };
    reportTexts.push(JSON.stringify(signReport(report, keyOf.get(monitor) as KeyObject)));
    if (reportTexts.length % 1000 === 0) progress(reportTexts.length);
  }
  return {
    epoch: BENCH_EPOCH,
    previousSettlementHash,
    assignments: [...assignment.monitorsOf].map(([target, m]) => [target, [...m]]),
    monitorKeys,
    reportTexts,
  };
}

const TERMS_FILE = 'terms.json';
const REPORTS_FILE = 'reports.jsonl';

/** Writes the network where `readSettleNetwork` finds it: the terms as JSON, one report text a line. */
export function writeSettleNetwork(dir: string, { reportTexts, ...terms }: SettleNetwork): void {
  writeFileSync(join(dir, TERMS_FILE), JSON.stringify(terms));
  // JSON.stringify never writes a raw newline, so a line is a report.
  writeFileSync(join(dir, REPORTS_FILE), reportTexts.join('\n'));
}

/** The network written by `writeSettleNetwork`, or null when `dir` holds none. */
export function readSettleNetwork(dir: string): SettleNetwork | null {
  if (!existsSync(join(dir, TERMS_FILE)) || !existsSync(join(dir, REPORTS_FILE))) return null;
  const terms = JSON.parse(readFileSync(join(dir, TERMS_FILE), 'utf8')) as Omit<SettleNetwork, 'reportTexts'>;
  // Each text decoded on its own, as a row read from the store is its own string (splitting one
  // big string would give slices that all keep the whole file alive).
  const bytes = readFileSync(join(dir, REPORTS_FILE));
  const reportTexts: string[] = [];
  for (let start = 0; start <= bytes.length; ) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    reportTexts.push(bytes.toString('utf8', start, end));
    start = end + 1;
  }
  return { ...terms, reportTexts };
}
