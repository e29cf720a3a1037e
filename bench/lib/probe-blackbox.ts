import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { type LoopMeasured, type LoopOptions, runClosedLoop } from './probe-loop.ts';

/** The Debian package's binary; VIGIL_BENCH_BLACKBOX points elsewhere (another build, or a missing one to try the message). */
export const BLACKBOX_BINARY = process.env['VIGIL_BENCH_BLACKBOX'] ?? '/usr/bin/prometheus-blackbox-exporter';
export const BLACKBOX_INSTALL = 'apt-get install -y prometheus-blackbox-exporter';

export interface BlackboxExporter {
  pid: number;
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts blackbox_exporter on a free loopback port with a minimal configuration in `dir`:
 * one module, `http_2xx`, IPv4, the same timeout as the agent's probes. Resolves once it answers.
 */
export async function startBlackboxExporter(dir: string, timeoutMs: number): Promise<BlackboxExporter> {
  if (!existsSync(BLACKBOX_BINARY)) throw new Error(`${BLACKBOX_BINARY} is missing: ${BLACKBOX_INSTALL}`);
  const config = join(dir, 'blackbox.yml');
  writeFileSync(
    config,
    [
      'modules:',
      '  http_2xx:',
      '    prober: http',
      `    timeout: ${timeoutMs}ms`,
      '    http:',
      '      preferred_ip_protocol: ip4',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    BLACKBOX_BINARY,
    [`--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`blackbox_exporter exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) =>
      http
        .get(`${url}/-/healthy`, (res) => resolve(res.statusCode === 200))
        .once('error', () => resolve(false)),
    );
    if (ok) break;
    if (i > 100) throw new Error('blackbox_exporter did not answer within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    pid: child.pid as number,
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const SUCCESS = /^probe_success (\S+)$/m;
const DURATION = /^probe_duration_seconds (\S+)$/m;
const FAILED_STATUS = /^probe_http_status_code (\S+)$/m;

/**
 * The load generator for blackbox_exporter, in its own process: `concurrency` requests in
 * flight to `/probe?module=http_2xx&target=…` over kept-alive connections (as Prometheus
 * scrapes), round-robin over the targets. Only the exporter's CPU is counted.
 */
export async function measureBlackbox(
  options: Omit<LoopOptions, 'proberPid'>,
  exporterUrl: string,
  exporterPid: number,
): Promise<LoopMeasured> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  try {
    return await runClosedLoop({ ...options, proberPid: exporterPid }, (target) => {
      const url = `${exporterUrl}/probe?module=http_2xx&target=${encodeURIComponent(target)}`;
      return new Promise((resolve) => {
        http
          .get(url, { agent }, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              body += chunk;
            });
            res.on('end', () => {
              const up = SUCCESS.exec(body)?.[1] === '1';
              const seconds = Number(DURATION.exec(body)?.[1]);
              resolve({
                up,
                latencyMs: Number.isFinite(seconds) ? seconds * 1000 : null,
                reason: up
                  ? null
                  : res.statusCode !== 200
                    ? `exporter HTTP ${res.statusCode}`
                    : `probe failed (status ${FAILED_STATUS.exec(body)?.[1] ?? '?'})`,
              });
            });
          })
          .once('error', (error: NodeJS.ErrnoException) =>
            resolve({ up: false, latencyMs: null, reason: `exporter: ${error.code ?? error.message}` }),
          );
      });
    });
  } finally {
    agent.destroy();
  }
}
