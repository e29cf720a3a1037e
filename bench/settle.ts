import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { summarizeTarget } from '../src/core/reports/summarize.ts';
import { seededRandom } from '../src/simulator/profiles.ts';
import { printChildResult, runBenchChild } from './lib/child-result.ts';
import { fmtInt, fmtMiB, fmtMs, machine, parseCount } from './lib/common.ts';
import { waitForQuietLoad } from './lib/quiet-load.ts';
import {
  measureSettlement,
  type SettleMeasured,
  type SettleMode,
  type SettleRun,
} from './lib/settle-measure.ts';
import {
  buildSettleNetwork,
  PROBES_PER_EPOCH,
  readSettleNetwork,
  type SettleNetwork,
  writeSettleNetwork,
} from './lib/settle-network.ts';
import { drawLatency, type LatencyShape, syntheticSketch } from './lib/synthetic-sketch.ts';

/**
 * `npm run bench -- settle [--nodes 10000] [--group 24] [--workers N] [--mode both|parallel|sequential]
 *   [--repeat 3] [--processes 1] [--quiet-load L] [--data DIR] [--seed 1] [--cpu-prof DIR]`
 *
 * Issue 3: 10,000 nodes, groups of 24, one signed report per monitor; verification and
 * settlement time, target ≤ 5 s on 2 cores. The network is built once (or read from --data),
 * then each mode settles it in --processes fresh processes: one cold run and --repeat warm
 * ones each. --quiet-load waits before each process until the load average is below L.
 */
const TARGET_MS = 5_000;
const RESULT_MARK = '@@settle-result ';

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      nodes: { type: 'string' },
      group: { type: 'string' },
      workers: { type: 'string' },
      mode: { type: 'string' },
      repeat: { type: 'string' },
      data: { type: 'string' },
      seed: { type: 'string' },
      processes: { type: 'string' },
      'quiet-load': { type: 'string' },
      'cpu-prof': { type: 'string' },
      child: { type: 'string' },
    },
  });
  const workers = Math.max(1, parseCount(values.workers, availableParallelism()));
  const repeat = parseCount(values.repeat, 3);

  if (values.child !== undefined) {
    const network = readSettleNetwork(values.child);
    if (network === null) throw new Error(`no network in ${values.child}`);
    const mode = values.mode as SettleMode;
    printChildResult(RESULT_MARK, await measureSettlement(network, mode, workers, repeat));
    return;
  }

  const nodes = parseCount(values.nodes, 10_000);
  const groupSize = parseCount(values.group, 24);
  const seed = parseCount(values.seed, 1);
  const modes = parseModes(values.mode);
  const dataDir = values.data ?? mkdtempSync(join(tmpdir(), 'vigil-bench-settle-'));
  mkdirSync(dataDir, { recursive: true });

  console.log(`settle: ${fmtInt(nodes)} nodes, groups of ${groupSize}, one signed report per monitor`);
  console.log(`machine: ${machine()}`);
  try {
    const network = prepare(dataDir, { nodes, groupSize, seed }, values.data !== undefined);
    describeNetwork(network);
    const results: SettleMeasured[] = [];
    const processes = Math.max(1, parseCount(values.processes, 1));
    const quietLoad = values['quiet-load'] === undefined ? undefined : Number(values['quiet-load']);
    const childArgs = ['--child', dataDir, '--workers', String(workers), '--repeat', String(repeat)];
    for (let p = 0; p < processes; p++) {
      for (const mode of modes) {
        await waitForQuietLoad(quietLoad);
        const result = await runBenchChild<SettleMeasured>(
          ['settle', ...childArgs, '--mode', mode],
          RESULT_MARK,
          {
            cpuProfDir: values['cpu-prof'],
          },
        );
        printMode(result, processes > 1 ? ` (process ${p + 1} of ${processes})` : '');
        results.push(result);
      }
    }
    summarize(results);
  } finally {
    if (values.data === undefined) rmSync(dataDir, { recursive: true, force: true });
  }
}

function parseModes(value: string | undefined): SettleMode[] {
  const v = value ?? 'both';
  if (v === 'both') return ['parallel', 'sequential'];
  if (v === 'parallel' || v === 'sequential') return [v];
  throw new Error(`--mode must be parallel, sequential or both, not "${v}"`);
}

function prepare(
  dir: string,
  spec: { nodes: number; groupSize: number; seed: number },
  reuse: boolean,
): SettleNetwork {
  const kept = reuse ? readSettleNetwork(dir) : null;
  if (kept !== null && kept.assignments.length === spec.nodes) {
    console.log(`set-up: network read from ${dir} (built earlier; delete it to rebuild)`);
    return kept;
  }
  const started = performance.now();
  const network = buildSettleNetwork(spec, (done) =>
    process.stderr.write(`\r  signed ${fmtInt(done)} reports`),
  );
  process.stderr.write('\n');
  writeSettleNetwork(dir, network);
  console.log(
    `set-up: network built and signed in ${fmtMs(performance.now() - started)} (not part of the figures)`,
  );
  return network;
}

function describeNetwork(network: SettleNetwork): void {
  const bytes = network.reportTexts.reduce((sum, t) => sum + Buffer.byteLength(t), 0);
  const sample = network.reportTexts
    .slice(0, 200)
    .map((t) => JSON.parse(t) as { report: { targets: { latency_sketch: { counts: number[] } }[] } });
  const sketches = sample.flatMap((s) => s.report.targets.map((t) => t.latency_sketch.counts.length));
  const targets = sample.reduce((sum, s) => sum + s.report.targets.length, 0) / sample.length;
  console.log(
    `reports: ${fmtInt(network.reportTexts.length)} stored texts, ${fmtMiB(bytes)} in all, ` +
      `${(bytes / network.reportTexts.length / 1024).toFixed(1)} KiB each; ${targets.toFixed(0)} targets a report, ` +
      `${(sketches.reduce((a, b) => a + b, 0) / sketches.length).toFixed(0)} sketch bins a target (first 200 reports)`,
  );
  // The sketches are filled from the distribution rather than from 8,640 drawn latencies each:
  // compare a few with the real thing to show they are the same size.
  const random = seededRandom(7);
  const shapes: LatencyShape[] = [
    { medianMs: 8, sigma: 0.05, tailShare: 0.002, tailFactor: 2, tailSigma: 0.4 },
    { medianMs: 40, sigma: 0.2, tailShare: 0.01, tailFactor: 3, tailSigma: 0.5 },
    { medianMs: 200, sigma: 0.35, tailShare: 0.02, tailFactor: 6, tailSigma: 0.8 },
  ];
  const line = shapes.map((shape) => {
    const synthetic = syntheticSketch(shape, PROBES_PER_EPOCH, random).sketch;
    const samples = Array.from({ length: PROBES_PER_EPOCH }, (_, i) => ({
      at_ms: i * 300_000,
      up: true,
      latency_ms: Math.round(drawLatency(shape, random) * 1000) / 1000,
    }));
    const real = summarizeTarget('node-x', samples).latency_sketch;
    const size = (s: { counts: number[] }) => `${s.counts.length} bins/${JSON.stringify(s).length} B`;
    return `${shape.medianMs} ms: ${size(synthetic)} vs ${size(real)}`;
  });
  console.log(`sketches, synthetic vs summarizeTarget of 8,640 draws: ${line.join('; ')}`);
}

function printMode(result: SettleMeasured, which: string): void {
  const title =
    result.mode === 'parallel'
      ? `parallel: settleEpochParallel's two halves, ${result.workers} worker thread(s) examining reports`
      : 'sequential: settleEpoch on one thread (JSON.parse of the texts timed beside it)';
  console.log(`\n${title}, in a fresh process${which}`);
  const header = ['run', 'threads start', 'parse', 'verify', 'settle', 'total', 'CPU (all threads)', 'load'];
  const rows = result.runs.map((r) => [
    r.label,
    result.mode === 'parallel' ? fmtMs(r.poolStartMs) : '-',
    result.mode === 'parallel' ? '(in verify)' : fmtMs(r.parseMs),
    fmtMs(r.verifyMs),
    fmtMs(r.settleMs),
    fmtMs(r.totalMs),
    fmtMs(r.cpuMs),
    r.load1.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  for (const row of [header, ...rows])
    console.log(`  ${row.map((c, i) => c.padStart(widths[i] as number)).join('  ')}`);
  const first = result.runs[0] as SettleRun;
  console.log(
    `  reports accepted ${fmtInt(first.accepted)}, rejected ${fmtInt(first.rejected)}; ` +
      `settlement hash ${first.hash.slice(0, 16)}…; peak RSS ${fmtMiB(result.peakRssBytes)}`,
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
}

function summarize(results: SettleMeasured[]): void {
  const hashes = new Set(results.flatMap((r) => r.runs.map((run) => run.hash)));
  console.log(`\nsame settlement document from every run and mode: ${hashes.size === 1 ? 'yes' : 'NO'}`);
  for (const mode of new Set(results.map((r) => r.mode))) {
    const of = results.filter((r) => r.mode === mode);
    const cold = of.map((r) => (r.runs[0] as SettleRun).totalMs);
    const warm = of.flatMap((r) => r.runs.filter((run) => run.label === 'warm').map((run) => run.totalMs));
    const range = (xs: number[]) =>
      xs.length > 1 ? ` (${fmtMs(Math.min(...xs))}–${fmtMs(Math.max(...xs))})` : '';
    const rss = Math.max(...of.map((r) => r.peakRssBytes));
    const verdict = median(cold) <= TARGET_MS ? 'met' : 'missed';
    console.log(
      `${mode}: cold ${fmtMs(median(cold))}${range(cold)}, warm ${warm.length > 0 ? fmtMs(median(warm)) : '-'}${range(warm)}, ` +
        `peak RSS ${fmtMiB(rss)}; target ≤ ${fmtMs(TARGET_MS)} (cold, median): ${verdict}`,
    );
  }
  if (hashes.size !== 1) process.exitCode = 1;
}
