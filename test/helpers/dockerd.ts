import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Client } from 'undici';

/**
 * A Docker engine of the test's own: Debian's dockerd, started as root on a temporary data
 * root and socket with no iptables and no bridge (so it touches nothing of the host's network),
 * the vfs storage driver (works on any filesystem, nested too), and an image imported from a
 * root filesystem holding only busybox-static, since no registry is reachable from a test.
 */
export interface TestEngine {
  socketPath: string;
  /** The imported busybox image: `/bin/sh` and the busybox applets. */
  image: string;
  /** Raw engine calls for what a test checks or sets up behind the deployer's back. */
  api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T | null }>;
  /** Removes every container and volume labelled `labelKey`. */
  clear(): Promise<void>;
  /** Clears, stops the engine and removes its files. */
  stop(): Promise<void>;
}

export type EngineOrSkip = { engine: TestEngine; skip: null } | { engine: null; skip: string };

const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'];

function onPath(program: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && existsSync(join(dir, program))) return join(dir, program);
  }
  for (const dir of ['/usr/sbin', '/sbin']) if (existsSync(join(dir, program))) return join(dir, program);
  return null;
}

/** A busybox that needs no shared library (busybox-static), or null. */
function staticBusybox(): string | null {
  for (const path of BUSYBOX) {
    if (!existsSync(path)) continue;
    try {
      const out = execFileSync('ldd', [path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      if (/not a dynamic executable|statically linked/.test(out)) return path;
    } catch (error) {
      // ldd exits 1 for a static binary on some systems, saying so on stdout or stderr.
      const e = error as { stdout?: string; stderr?: string };
      if (/not a dynamic executable|statically linked/.test(`${e.stdout ?? ''}${e.stderr ?? ''}`))
        return path;
    }
  }
  return null;
}

/** Why the Docker tests cannot run here, or null when they can try. */
export function dockerSkipReason(): string | null {
  if (process.platform !== 'linux') return 'the Docker engine tests start dockerd, which needs Linux';
  if (process.getuid?.() !== 0) return 'the Docker engine tests start dockerd, which needs root';
  if (onPath('dockerd') === null) return 'dockerd is not installed (apt-get install docker.io)';
  if (staticBusybox() === null) return 'busybox-static is not installed (apt-get install busybox-static)';
  return null;
}

function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((mount) => mount.startsWith(`${dir}/`))
    .reverse();
}

/** Starts the engine; if it will not start, says why instead (its last log lines). */
export async function startTestEngine(
  labelKey: string,
  { startTimeoutMs = 30_000 } = {},
): Promise<EngineOrSkip> {
  const reason = dockerSkipReason();
  if (reason !== null) return { engine: null, skip: reason };
  const dir = mkdtempSync(join(tmpdir(), 'vigil-dockerd-'));
  const socketPath = join(dir, 'docker.sock');
  const logPath = join(dir, 'dockerd.log');
  // dockerd logs to stderr; a file keeps it for the reason of a failed start, with no pipe to drain.
  const out = openSync(logPath, 'a');
  const dockerd: ChildProcess = spawn(
    onPath('dockerd') as string,
    [
      '--iptables=false',
      '--ip-masq=false',
      '--bridge=none',
      '--storage-driver=vfs',
      '--data-root',
      join(dir, 'data'),
      '--exec-root',
      join(dir, 'exec'),
      '--pidfile',
      join(dir, 'docker.pid'),
      '--host',
      `unix://${socketPath}`,
      // Where the machine runs a containerd of its own, dockerd uses it: namespaces of the
      // test's own keep its containers apart from a system Docker's.
      '--containerd-namespace',
      'vigil-test',
      '--containerd-plugins-namespace',
      'vigil-test-plugins',
    ],
    // Its own process group: containerd, which it starts, goes with it if it must be killed.
    { stdio: ['ignore', out, out], detached: true, env: { ...process.env, DOCKER_HOST: '' } },
  );
  closeSync(out);
  dockerd.unref();
  const lastLog = () => {
    try {
      return readFileSync(logPath, 'utf8').trim().split('\n').slice(-3).join(' | ');
    } catch {
      return '';
    }
  };
  const exited = new Promise<void>((resolve) => dockerd.once('exit', () => resolve()));
  const client = new Client('http://docker', { socketPath });

  const api = async <T>(method: string, path: string, body?: unknown) => {
    const res = await client.request({
      method: method as 'GET',
      path,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.body.text();
    let json: T | null = null;
    try {
      json = text === '' ? null : (JSON.parse(text) as T);
    } catch {}
    return { status: res.statusCode, json };
  };

  const clear = async () => {
    const filter = encodeURIComponent(JSON.stringify({ label: [labelKey] }));
    const { json: containers } = await api<Array<{ Id: string }>>(
      'GET',
      `/containers/json?all=true&filters=${filter}`,
    );
    for (const c of containers ?? []) await api('DELETE', `/containers/${c.Id}?force=true&v=true`);
    const { json: volumes } = await api<{ Volumes: Array<{ Name: string }> | null }>(
      'GET',
      `/volumes?filters=${filter}`,
    );
    for (const v of volumes?.Volumes ?? []) await api('DELETE', `/volumes/${v.Name}?force=true`);
  };

  const stop = async () => {
    // The engine is going anyway: a failure to clear is not a reason to leave it running.
    await clear().catch(() => {});
    await client.close().catch(() => {});
    if (dockerd.exitCode === null && dockerd.signalCode === null) {
      process.kill(dockerd.pid as number, 'SIGTERM');
      const late = setTimeout(() => {
        try {
          process.kill(-(dockerd.pid as number), 'SIGKILL');
        } catch {}
      }, 20_000);
      await exited;
      clearTimeout(late);
    }
    // containerd, which dockerd started in its process group, may still be on its way out.
    const group = -(dockerd.pid as number);
    const deadline = Date.now() + 10_000;
    // Bounded even if a zombie that nobody reaps keeps the group alive.
    while (Date.now() < deadline + 2_000) {
      try {
        process.kill(group, Date.now() > deadline ? 'SIGKILL' : 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    // The engine leaves its network namespace bind-mounted under its exec root.
    for (const mount of mountsUnder(dir)) {
      try {
        execFileSync('umount', ['-l', mount], { stdio: 'ignore' });
      } catch {}
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + startTimeoutMs;
  let lastError = 'no answer';
  for (;;) {
    if (dockerd.exitCode !== null || dockerd.signalCode !== null) {
      const why = `dockerd exited at start (${dockerd.exitCode ?? dockerd.signalCode}): ${lastLog()}`;
      await stop();
      return { engine: null, skip: why };
    }
    try {
      const { status } = await api('GET', '/_ping');
      if (status === 200) break;
      lastError = `ping answered ${status}`;
    } catch (error) {
      lastError = (error as Error).message;
    }
    if (Date.now() > deadline) {
      const why = `dockerd did not answer within ${startTimeoutMs} ms (${lastError}): ${lastLog()}`;
      await stop();
      return { engine: null, skip: why };
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  // The image: a root filesystem of busybox-static and its applet links, imported as a tarball.
  const image = 'vigil-test-busybox:latest';
  const rootfs = join(dir, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  mkdirSync(join(rootfs, 'tmp'), { recursive: true });
  copyFileSync(staticBusybox() as string, join(rootfs, 'bin', 'busybox'));
  for (const applet of ['sh', 'sleep', 'cat', 'env', 'echo', 'true'])
    symlinkSync('busybox', join(rootfs, 'bin', applet));
  // The host's /lib and /lib64 links (merged /usr), so a test that bind-mounts the host's
  // /usr/lib can run the host's own Node in a container.
  for (const dirName of ['lib', 'lib64']) {
    try {
      symlinkSync(readlinkSync(join('/', dirName)), join(rootfs, dirName));
    } catch {}
  }
  const tarball = execFileSync('tar', ['-C', rootfs, '-c', '.'], { maxBuffer: 64 * 1024 * 1024 });
  const imported = await client.request({
    method: 'POST',
    path: `/images/create?fromSrc=-&repo=vigil-test-busybox&tag=latest`,
    headers: { 'content-type': 'application/x-tar' },
    body: tarball,
  });
  const importText = await imported.body.text();
  if (imported.statusCode !== 200 || /"error"/.test(importText)) {
    await stop();
    return { engine: null, skip: `could not import the busybox image: ${importText.trim()}` };
  }
  return { engine: { socketPath, image, api, clear, stop }, skip: null };
}
