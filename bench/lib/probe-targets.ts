import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** The line the targets process prints once every server listens: the mark, then the URLs as JSON. */
const READY_MARK = '@@probe-targets ';
const BODY = 'ok\n';

/**
 * The target side, run in its own process so its CPU is never counted as a prober's: `count`
 * HTTP servers on 127.0.0.1, one port each (as many nodes would be), answering every request
 * 200 with a short body. Runs until its stdin closes.
 */
export async function serveTargets(count: number): Promise<void> {
  const urls: string[] = [];
  const servers: http.Server[] = [];
  for (let i = 0; i < count; i++) {
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
      res.end(BODY);
    });
    // Probers open and close connections fast; a long backlog keeps bursts from being refused.
    await new Promise<void>((resolve) =>
      server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, resolve),
    );
    urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}/health`);
    servers.push(server);
  }
  process.stdout.write(`${READY_MARK}${JSON.stringify(urls)}\n`);
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.once('end', resolve));
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
}

export interface TargetsProcess {
  urls: string[];
  pid: number;
  stop(): Promise<void>;
}

/** Starts `npm run bench -- probe --role targets` and waits until its servers listen. */
export function startTargetsProcess(count: number): Promise<TargetsProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [join(import.meta.dirname, '..', 'run.ts'), 'probe', '--role', 'targets', '--targets', String(count)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`targets process exited with ${code} before listening`)));
    lines.on('line', (line) => {
      if (!line.startsWith(READY_MARK)) return;
      child.removeAllListeners('exit');
      resolve({
        urls: JSON.parse(line.slice(READY_MARK.length)) as string[],
        pid: child.pid as number,
        stop: () =>
          new Promise<void>((done) => {
            child.once('exit', () => done());
            child.stdin?.end();
          }),
      });
    });
  });
}
