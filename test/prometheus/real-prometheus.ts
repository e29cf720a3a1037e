import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';

export interface RunningPrometheus {
  url: string;
  /** What Prometheus printed, for a failing test's message. */
  output(): string;
  /** GET /api/v1/<path> and its `data`. */
  api<T>(path: string): Promise<T>;
  stop(): Promise<void>;
}

export interface PrometheusSetup {
  /** host:port of the coordinator. */
  target: string;
  bearer: string;
  rules: string;
  /** host:port Prometheus sends alerts to, as to an Alertmanager. */
  alertmanager: string;
  intervalS: number;
}

/** A free TCP port on 127.0.0.1 (closed again at once; Prometheus binds it a moment later). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Debian's Prometheus 2.42 as a child process: its own port on 127.0.0.1, its own data in a
 * temporary directory (never the package's service or /var/lib), scraping the coordinator
 * with a read key and evaluating `rules` every `intervalS`, with alerts resent every second
 * so a resolution reaches the receiver at once.
 */
export async function startPrometheus(setup: PrometheusSetup): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-prometheus-run-'));
  const interval = `${setup.intervalS}s`;
  writeFileSync(join(dir, 'rules.yml'), setup.rules);
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    rule_files: [join(dir, 'rules.yml')],
    alerting: { alertmanagers: [{ api_version: 'v2', static_configs: [{ targets: [setup.alertmanager] }] }] },
    scrape_configs: [
      {
        job_name: 'vigil',
        authorization: { type: 'Bearer', credentials: setup.bearer },
        static_configs: [{ targets: [setup.target] }],
      },
    ],
  };
  writeFileSync(join(dir, 'prometheus.yml'), YAML.stringify(config));
  const port = await freePort();
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--rules.alert.resend-delay=1s',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then(
      (res) => res.ok,
      () => false,
    );
    if (ready) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus did not become ready:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    output: () => output,
    async api<T>(path: string): Promise<T> {
      const res = await fetch(`${url}/api/v1/${path}`);
      const body = (await res.json()) as { status: string; data: T; error?: string };
      if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error}`);
      return body.data;
    },
    stop,
  };
}
