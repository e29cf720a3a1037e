import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { printChildResult, runBenchChild } from './lib/child-result.ts';
import { fmtInt, machine, parseCount } from './lib/common.ts';
import {
  BLACKBOX_BINARY,
  BLACKBOX_INSTALL,
  measureBlackbox,
  startBlackboxExporter,
} from './lib/probe-blackbox.ts';
import type { LoopMeasured } from './lib/probe-loop.ts';
import { serveTargets, startTargetsProcess } from './lib/probe-targets.ts';
import { measureVigilProber, type VigilConnections } from './lib/probe-vigil.ts';
import { waitForQuietLoad } from './lib/quiet-load.ts';

/**
 * `npm run bench -- probe [--targets 1000] [--concurrency 64] [--duration 10] [--warmup 3]
 *   [--timeout-ms 5000] [--repeat 1] [--connections both|keep-alive|new-connection]
 *   [--quiet-load L] [--cpu-prof DIR]`
 *
 * Issue 3: one agent probing 1,000 HTTP targets on loopback, and blackbox_exporter probing the
 * same targets through `/probe`, at the same concurrency; probes per second, CPU seconds per
 * 1,000 probes and the ratio of probes per CPU second. Targets are served by a process of
 * their own, the exporter is driven by a load generator of its own, and only the prober's
 * CPU is counted: the agent's process, or the exporter's.
 */
const RESULT_MARK = '@@probe-result ';

type Side = { kind: 'vigil'; connections: VigilConnections } | { kind: 'blackbox' };

interface SideResult {
  side: Side;
  runs: LoopMeasured[];
}

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      role: { type: 'string' },
      targets: { type: 'string' },
      'urls-file': { type: 'string' },
      concurrency: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'timeout-ms': { type: 'string' },
      repeat: { type: 'string' },
      connections: { type: 'string' },
      'exporter-url': { type: 'string' },
      'exporter-pid': { type: 'string' },
      'targets-pid': { type: 'string' },
      'quiet-load': { type: 'string' },
      'cpu-prof': { type: 'string' },
    },
  });
  const targets = parseCount(values.targets, 1_000);
  const loop = {
    concurrency: parseCount(values.concurrency, 64),
    warmupMs: Number(values.warmup ?? 3) * 1000,
    durationMs: Number(values.duration ?? 10) * 1000,
  };
  const timeoutMs = parseCount(values['timeout-ms'], 5_000);

  if (values.role === 'targets') return serveTargets(targets);
  if (values.role === 'vigil' || values.role === 'blackbox-load') {
    const urls = JSON.parse(readFileSync(values['urls-file'] as string, 'utf8')) as string[];
    const otherPids: Record<string, number | 'self'> = { targets: Number(values['targets-pid']) };
    if (values.role === 'blackbox-load') otherPids['load generator'] = 'self';
    const measured =
      values.role === 'vigil'
        ? await measureVigilProber(
            { ...loop, urls, otherPids },
            values.connections as VigilConnections,
            timeoutMs,
          )
        : await measureBlackbox(
            { ...loop, urls, otherPids },
            values['exporter-url'] as string,
            Number(values['exporter-pid']),
          );
    printChildResult(RESULT_MARK, measured);
    return;
  }

  if (!existsSync(BLACKBOX_BINARY)) {
    console.error(`probe: blackbox_exporter is not installed (${BLACKBOX_BINARY}). Install it with:`);
    console.error(`  ${BLACKBOX_INSTALL}`);
    process.exitCode = 1;
    return;
  }
  const repeat = Math.max(1, parseCount(values.repeat, 1));
  const quietLoad = values['quiet-load'] === undefined ? undefined : Number(values['quiet-load']);
  const sides = sidesFor(values.connections);

  console.log(
    `probe: ${fmtInt(targets)} HTTP targets on loopback, ${loop.concurrency} probes in flight, ` +
      `${loop.warmupMs / 1000} s warm-up + ${loop.durationMs / 1000} s measured, timeout ${timeoutMs} ms`,
  );
  console.log(`machine: ${machine()}`);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-probe-'));
  const served = await startTargetsProcess(targets);
  const exporter = await startBlackboxExporter(dir, timeoutMs);
  try {
    const urlsFile = join(dir, 'urls.json');
    writeFileSync(urlsFile, JSON.stringify(served.urls));
    const common = ['probe', '--urls-file', urlsFile, '--concurrency', String(loop.concurrency)];
    common.push('--exporter-pid', String(exporter.pid), '--targets-pid', String(served.pid));
    common.push('--warmup', String(loop.warmupMs / 1000), '--duration', String(loop.durationMs / 1000));
    common.push('--timeout-ms', String(timeoutMs));
    const results: SideResult[] = sides.map((side) => ({ side, runs: [] }));
    for (let run = 0; run < repeat; run++) {
      for (const result of results) {
        await waitForQuietLoad(quietLoad);
        const { side } = result;
        const measured =
          side.kind === 'vigil'
            ? await runBenchChild<LoopMeasured>(
                [...common, '--role', 'vigil', '--connections', side.connections],
                RESULT_MARK,
                { cpuProfDir: values['cpu-prof'] },
              )
            : await runBenchChild<LoopMeasured>(
                [...common, '--role', 'blackbox-load', '--exporter-url', exporter.url],
                RESULT_MARK,
              );
        result.runs.push(measured);
        printRun(side, measured, run, repeat);
      }
    }
    summarize(results);
  } finally {
    await exporter.stop();
    await served.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function sidesFor(value: string | undefined): Side[] {
  const v = value ?? 'both';
  const vigil: Side[] =
    v === 'both'
      ? [
          { kind: 'vigil', connections: 'keep-alive' },
          { kind: 'vigil', connections: 'new-connection' },
        ]
      : v === 'keep-alive' || v === 'new-connection'
        ? [{ kind: 'vigil', connections: v }]
        : [];
  if (vigil.length === 0)
    throw new Error(`--connections must be keep-alive, new-connection or both, not "${v}"`);
  return [...vigil, { kind: 'blackbox' }];
}

const nameOf = (side: Side): string =>
  side.kind === 'vigil' ? `vigil agent probeHttp (${side.connections})` : 'blackbox_exporter /probe';

const perSecond = (m: LoopMeasured): number => m.probes / (m.windowMs / 1000);
const perCpuSecond = (m: LoopMeasured): number => m.probes / (m.proberCpuMs / 1000);

function printRun(side: Side, m: LoopMeasured, run: number, repeat: number): void {
  const which = repeat > 1 ? ` [run ${run + 1}/${repeat}]` : '';
  const down = m.probes - m.up;
  const reasons = Object.entries(m.reasons)
    .map(([r, n]) => `${r} ×${n}`)
    .join(', ');
  const latency =
    m.latencyP50Ms === null ? '-' : `${m.latencyP50Ms.toFixed(2)} / ${(m.latencyP99Ms ?? 0).toFixed(2)} ms`;
  console.log(
    `\n${nameOf(side)}${which}: ${fmtInt(m.probes)} probes in ${(m.windowMs / 1000).toFixed(1)} s, ` +
      `${down === 0 ? 'all up' : `${fmtInt(down)} down (${reasons})`}, load ${m.load1.toFixed(1)}`,
  );
  console.log(
    `  ${fmtInt(perSecond(m))} probes/s; prober CPU ${(m.proberCpuMs / 1000).toFixed(2)} s = ` +
      `${(((m.proberCpuMs / m.probes) * 1000) / 1000).toFixed(3)} CPU s per 1,000 probes, ` +
      `${fmtInt(perCpuSecond(m))} probes per CPU second; probe latency p50 / p99 ${latency}`,
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
}

function summarize(results: SideResult[]): void {
  console.log('\nsummary (median of runs):');
  const efficiency = new Map<SideResult, number>();
  for (const result of results) {
    const rate = median(result.runs.map(perSecond));
    const eff = median(result.runs.map(perCpuSecond));
    efficiency.set(result, eff);
    const others = Object.keys(result.runs[0]?.otherCpuMs ?? {}).map((name) => {
      const perProbe = median(result.runs.map((m) => (m.otherCpuMs[name] ?? 0) / m.probes));
      return `${name} ${perProbe.toFixed(3)}`;
    });
    console.log(
      `  ${nameOf(result.side).padEnd(40)} ${fmtInt(rate).padStart(7)} probes/s  ` +
        `${(1000 / eff).toFixed(3)} CPU s/1,000 probes  ${fmtInt(eff).padStart(6)} probes/CPU s  ` +
        `(not counted, CPU ms a probe: ${others.join(', ')})`,
    );
  }
  const blackbox = results.find((r) => r.side.kind === 'blackbox') as SideResult;
  for (const result of results) {
    if (result === blackbox) continue;
    const ratio = (efficiency.get(result) as number) / (efficiency.get(blackbox) as number);
    console.log(
      `  ratio, probes per CPU second, ${nameOf(result.side)} / blackbox_exporter: ${ratio.toFixed(2)} ` +
        `(target ≥ 1: ${ratio >= 1 ? 'met' : 'missed'})`,
    );
  }
}
