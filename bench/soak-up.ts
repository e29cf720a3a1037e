import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine } from './lib/common.ts';

// `npm run bench -- soak-up [--minutes 60] [--nodes 50] [--every 60]`: runs `vigil up` in a
// temporary folder and, every `--every` seconds, reads what it holds: the resident memory
// of the coordinator and of its simulated fleet, the database and its WAL, and the fleet's
// own files (agents' logs, workers' outboxes, their WALs). It prints one row per reading and
// a verdict on growth after warm-up: the change between the middle and the last third of the
// run. Nothing is asserted; docs/benchmarks.md records the figures.

const BIN = fileURLToPath(new URL('../bin/vigil.js', import.meta.url));

interface Reading {
  minute: number;
  coordinatorMb: number;
  simulatorMb: number;
  dbMb: number;
  walMb: number;
  fleetMb: number;
  fleetWalMb: number;
}

function option(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

/** Resident memory of a process in MB, from /proc (0 once it is gone). */
function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

function sizeMb(path: string): number {
  try {
    return statSync(path).size / 1024 / 1024;
  } catch {
    return 0;
  }
}

/** Bytes under a folder, all files and those whose name ends in -wal, in MB. */
function folderMb(dir: string): { all: number; wal: number } {
  let all = 0;
  let wal = 0;
  let entries: string[] = [];
  try {
    entries = readdirSync(dir, { recursive: true }) as string[];
  } catch {
    return { all: 0, wal: 0 };
  }
  for (const entry of entries) {
    const path = join(dir, entry);
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(path);
    } catch {
      continue;
    }
    if (!stat.isFile()) continue;
    all += stat.size;
    if (entry.endsWith('-wal')) wal += stat.size;
  }
  return { all: all / 1024 / 1024, wal: wal / 1024 / 1024 };
}

function childPid(parent: number, pattern: RegExp): number | null {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parent) continue;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (pattern.test(cmd)) return Number(pid);
    } catch {}
  }
  return null;
}

const f1 = (n: number) => n.toFixed(1).padStart(8);

function thirdsVerdict(readings: Reading[], key: keyof Reading): string {
  const third = Math.floor(readings.length / 3);
  if (third < 1) return 'too short to tell';
  const mean = (rows: Reading[]) => rows.reduce((sum, r) => sum + (r[key] as number), 0) / rows.length;
  const middle = mean(readings.slice(third, 2 * third));
  const last = mean(readings.slice(2 * third));
  const change = middle === 0 ? 0 : ((last - middle) / middle) * 100;
  return `${middle.toFixed(1)} → ${last.toFixed(1)} MB (${change >= 0 ? '+' : ''}${change.toFixed(1)} %)`;
}

export async function main(args: string[]): Promise<void> {
  const minutes = option(args, 'minutes', 60);
  const nodes = option(args, 'nodes', 50);
  const everyS = option(args, 'every', 60);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-soak-'));
  const port = 18_000 + Math.floor(Math.random() * 2000);
  console.log(machine());
  console.log(`vigil up --nodes ${nodes} for ${minutes} min, a reading every ${everyS} s, in ${dir}`);
  const up = spawn(process.execPath, [BIN, 'up', '--nodes', String(nodes), '--port', String(port)], {
    cwd: dir,
    env: { ...process.env, VIGIL_LOG_LEVEL: 'warn', VIGIL_DATABASE_URL: join(dir, 'data', 'vigil-up.db') },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const readings: Reading[] = [];
  const started = Date.now();
  try {
    console.log('  minute    coord MB   fleet MB     db MB    wal MB  fleet-files MB  fleet-wal MB');
    while (Date.now() - started < minutes * 60_000) {
      await new Promise((resolve) => setTimeout(resolve, everyS * 1000));
      if (up.exitCode !== null) throw new Error(`vigil up exited early (code ${up.exitCode})`);
      const simulator = childPid(up.pid as number, /vigil\.js simulate/);
      const db = join(dir, 'data', 'vigil-up.db');
      const fleet = folderMb(join(dir, 'data', 'vigil-up-agents'));
      const reading: Reading = {
        minute: (Date.now() - started) / 60_000,
        coordinatorMb: rssMb(up.pid as number),
        simulatorMb: simulator === null ? 0 : rssMb(simulator),
        dbMb: sizeMb(db),
        walMb: sizeMb(`${db}-wal`),
        fleetMb: fleet.all,
        fleetWalMb: fleet.wal,
      };
      readings.push(reading);
      console.log(
        `${f1(reading.minute)}  ${f1(reading.coordinatorMb)}   ${f1(reading.simulatorMb)}  ${f1(reading.dbMb)}  ${f1(reading.walMb)}        ${f1(reading.fleetMb)}      ${f1(reading.fleetWalMb)}`,
      );
    }
  } finally {
    up.kill('SIGTERM');
    await new Promise((resolve) => up.once('exit', resolve));
    const left = folderMb(join(dir, 'data'));
    console.log(
      `after exit: ${left.all.toFixed(1)} MB left in data/, of which ${left.wal.toFixed(1)} MB WAL`,
    );
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('growth after warm-up (mean of the middle third → mean of the last third):');
  for (const [label, key] of [
    ['coordinator memory', 'coordinatorMb'],
    ['fleet memory', 'simulatorMb'],
    ['database', 'dbMb'],
    ['database WAL', 'walMb'],
    ['fleet files', 'fleetMb'],
  ] as const) {
    console.log(`  ${label.padEnd(20)} ${thirdsVerdict(readings, key)}`);
  }
}
