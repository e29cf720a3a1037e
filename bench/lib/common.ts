import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export type BackendName = 'sqlite' | 'postgres';

export const PG_URL = process.env.VIGIL_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchDatabase {
  backend: BackendName;
  databaseUrl: string;
  /** The SQLite file, for loaders that write it directly. */
  sqlitePath?: string;
  /** Removes the temp file or drops the schema. */
  cleanup(): Promise<void>;
}

/**
 * An empty database of the benchmark's own: a SQLite file in a temp dir, or a PostgreSQL
 * schema selected through `search_path` (as test/helpers/backends.ts does), so a benchmark
 * never touches anyone else's data and leaves nothing behind.
 */
export async function createBenchDatabase(backend: BackendName): Promise<BenchDatabase> {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
    const path = join(dir, 'vigil.db');
    return {
      backend,
      databaseUrl: path,
      sqlitePath: path,
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const schema = `vigil_bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await pgAdmin(`create schema ${schema}`);
  const url = new URL(PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    backend,
    databaseUrl: url.toString(),
    cleanup: () => pgAdmin(`drop schema if exists ${schema} cascade`),
  };
}

async function pgAdmin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export function parseBackends(value: string | undefined): BackendName[] {
  const v = value ?? 'both';
  if (v === 'both') return ['sqlite', 'postgres'];
  if (v === 'sqlite' || v === 'postgres') return [v];
  throw new Error(`--backend must be sqlite, postgres or both, not "${v}"`);
}

/** Integers like 5000000, 5_000_000, 5e6 or 5M. */
export function parseCount(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const m = /^([\d._]+(?:e\d+)?)([kKmM]?)$/.exec(value.trim());
  const n = m
    ? Number(m[1]?.replaceAll('_', '')) * ({ k: 1e3, m: 1e6 }[m[2]?.toLowerCase() ?? ''] ?? 1)
    : NaN;
  if (!Number.isFinite(n) || n < 0) throw new Error(`not a count: "${value}"`);
  return Math.round(n);
}

export function machine(): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown cpu';
  const gib = (totalmem() / 2 ** 30).toFixed(1);
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  return `${availableParallelism()} cpus (${model}), ${gib} GiB RAM, Node ${process.version}, ${new Date().toISOString()}, load average ${load}`;
}

export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
export const fmtMs = (ms: number): string =>
  ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
export const fmtMiB = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MiB`;

/**
 * Peak resident set size of this process so far. Linux's VmHWM belongs to this process image;
 * getrusage's maxRSS is not used where VmHWM exists because it carries over the parent's
 * peak into a spawned child (fork copies it, exec keeps it).
 */
export function peakRss(): number {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb !== undefined) return Number(kb) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}
