import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createProcessDeployer,
  type ProcessDeployerConfig,
} from '../../../src/autoscaler/deployers/process.ts';
import {
  claimRecord,
  procStart,
  readRecords,
  writeRecord,
} from '../../../src/autoscaler/deployers/process-records.ts';
import { captureLog } from '../../helpers/capture-log.ts';
import { eventually } from '../../helpers/eventually.ts';
import { describeDeployerConformance, waitForReplicas } from './conformance.ts';

// A stand-in for `vigil worker` that starts in a blink: it notes the configuration and key it
// was given in its working directory, drains in 20 ms on SIGTERM, or, told to be stubborn,
// ignores SIGTERM so that only the deployer's SIGKILL ends it.
const STAND_IN = `import { writeFileSync } from 'node:fs';
writeFileSync('given.json', JSON.stringify({
  config: JSON.parse(process.env.VIGIL_WORKER_CONFIG_JSON ?? 'null'),
  api_key: process.env.VIGIL_WORKER_API_KEY ?? null,
  leaked: Object.keys(process.env).filter((k) => k === 'VIGIL_DATABASE_URL'),
}));
process.on('SIGTERM', () => {
  if (process.env.STAND_IN_STUBBORN !== '1') setTimeout(() => process.exit(0), 20);
});
setInterval(() => {}, 1000);
`;

/** Ends every process recorded under `stateDir` (whole groups), whatever a test left. */
async function killRecorded(stateDir: string): Promise<void> {
  for (const target of existsSync(stateDir) ? ['pool-a', 'pool-b'] : []) {
    for (const record of await readRecords(join(stateDir, target))) {
      if (record.pid === null || (await procStart(record.pid)) !== record.proc_start) continue;
      try {
        process.kill(-record.pid, 'SIGKILL');
      } catch {}
    }
  }
}

/** Whether `pid` runs: a zombie (killed, not yet reaped by its parent, this test) does not. */
async function isRunning(pid: number): Promise<boolean> {
  return typeof (await procStart(pid)) === 'string';
}

/** A fresh state directory and stand-in script; cleanup ends every process and removes both. */
function standInFixture(extra: Partial<ProcessDeployerConfig> = {}) {
  const root = mkdtempSync(join(tmpdir(), 'vigil-process-deployer-'));
  const stateDir = join(root, 'state');
  const script = join(root, 'stand-in.mjs');
  writeFileSync(script, STAND_IN);
  const planted: ChildProcess[] = [];
  const config = (target: string): ProcessDeployerConfig => ({
    target,
    stateDir,
    worker: { coordinator_url: 'http://127.0.0.1:9', topics: [{ topic: 'hash', concurrency: 2 }] },
    command: [process.execPath, script],
    ...extra,
  });
  return {
    root,
    stateDir,
    script,
    config,
    fixture: {
      make: async () => createProcessDeployer(config('pool-a')),
      makeOther: async () => createProcessDeployer(config('pool-b')),
      // A process in a look-alike replica directory with no record: not the deployer's.
      plantForeign: async () => {
        const dir = join(stateDir, 'pool-a', 'pool-a-7');
        mkdirSync(dir, { recursive: true });
        const child = spawn(process.execPath, [script], { cwd: dir, stdio: 'ignore', detached: true });
        planted.push(child);
        const pid = child.pid as number;
        return () => isRunning(pid);
      },
      cleanup: async () => {
        await killRecorded(stateDir);
        for (const child of planted.splice(0)) child.kill('SIGKILL');
        rmSync(root, { recursive: true, force: true });
      },
    },
  };
}

describeDeployerConformance('process', {
  choosesVictims: true,
  settleMs: 10_000,
  async setup() {
    return standInFixture().fixture;
  },
});

describe('process deployer', () => {
  let cleanups: Array<() => Promise<void>> = [];
  beforeEach(() => {
    cleanups = [];
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  const setup = (extra: Partial<ProcessDeployerConfig> = {}) => {
    const f = standInFixture(extra);
    cleanups.push(f.fixture.cleanup);
    return f;
  };
  const down = { drainTimeoutMs: 2_000 };

  it('gives each replica its own node, key and data directory, the shared topics, and the API key', async () => {
    const f = setup({ apiKey: 'vk_test', nodeIdPrefix: 'edge-' });
    const deployer = createProcessDeployer(f.config('pool-a'));
    const { started } = await deployer.scaleTo(2, [], down);
    expect(started).toEqual(['pool-a-1', 'pool-a-2']);
    const given = await eventually('both replicas wrote what they were given', () => {
      const files = started.map((id) => join(f.stateDir, 'pool-a', id, 'given.json'));
      // A replica may be midway through writing its file: half a file is not there yet.
      const read = (p: string) => {
        try {
          return JSON.parse(readFileSync(p, 'utf8'));
        } catch {
          return undefined;
        }
      };
      const all = files.filter((p) => existsSync(p)).map(read);
      return all.length === files.length && all.every((g) => g !== undefined) ? all : undefined;
    });
    expect(given.map((g) => g.config.node_id)).toEqual(['edge-1', 'edge-2']);
    // Listed with the node each acts as: what a scale-down weighs and retires.
    expect((await deployer.replicas()).map((r) => [r.id, r.node_id])).toEqual([
      ['pool-a-1', 'edge-1'],
      ['pool-a-2', 'edge-2'],
    ]);
    for (const [i, g] of given.entries()) {
      const dir = join(f.stateDir, 'pool-a', started[i] as string);
      expect(g.config.key_path).toBe(join(dir, 'node.key'));
      expect(g.config.data_dir).toBe(join(dir, 'worker'));
      expect(g.config.topics).toEqual([{ topic: 'hash', concurrency: 2 }]);
      expect(g.config.coordinator_url).toBe('http://127.0.0.1:9');
      expect(g.api_key).toBe('vk_test');
    }
    // Detached: each leads a process group of its own, so a signal to the autoscaler's group
    // (Ctrl-C, a supervisor's stop) does not reach it.
    for (const record of await readRecords(join(f.stateDir, 'pool-a'))) {
      const stat = readFileSync(`/proc/${record.pid}/stat`, 'utf8');
      const pgrp = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2];
      expect(pgrp).toBe(String(record.pid));
    }
    await deployer.scaleTo(0, [], down);
  });

  it('SIGKILLs a replica that overruns its drain, and says so', async () => {
    const f = setup({ env: { STAND_IN_STUBBORN: '1' } });
    const log = captureLog();
    const deployer = createProcessDeployer({ ...f.config('pool-a'), log });
    await deployer.scaleTo(1, [], down);
    const [replica] = await waitForReplicas(deployer, 'one running', (rs) => rs.length === 1, 10_000);
    const [record] = await readRecords(join(f.stateDir, 'pool-a'));
    // Given the time to install its SIGTERM handler, so that it really ignores the signal.
    await eventually('stand-in ready', () =>
      existsSync(join(f.stateDir, 'pool-a', 'pool-a-1', 'given.json')),
    );
    const t0 = Date.now();
    const result = await deployer.scaleTo(0, [replica?.id as string], { drainTimeoutMs: 400 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    expect(result.stopping).toEqual(['pool-a-1']);
    expect(await isRunning(record?.pid as number)).toBe(false);
    expect(await deployer.replicas()).toEqual([]);
    const overran = log.entries.filter((e) => e.level === 'warn' && /did not drain in time/.test(e.msg));
    expect(overran).toHaveLength(1);
    expect(overran[0]?.fields).toMatchObject({ replica: 'pool-a-1', drain_timeout_ms: 400 });
  });

  it('does not take a process that reused a replica’s pid for the replica', async () => {
    const f = setup();
    const deployer = createProcessDeployer(f.config('pool-a'));
    // A live process that is not the replica: same pid as the record, another start time.
    const stranger = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    cleanups.push(async () => {
      stranger.kill('SIGKILL');
    });
    const pid = stranger.pid as number;
    await eventually('stranger visible in /proc', async () => typeof (await procStart(pid)) === 'string');
    mkdirSync(join(f.stateDir, 'pool-a', 'pool-a-1'), { recursive: true });
    await writeRecord(join(f.stateDir, 'pool-a'), {
      id: 'pool-a-1',
      pid,
      proc_start: '1',
      created_at: Date.now() - 60_000,
      started_at: Date.now() - 60_000,
      draining_since: null,
      drain_deadline: null,
    });
    expect(await deployer.replicas()).toEqual([]);
    await deployer.scaleTo(0, ['pool-a-1'], down);
    expect(await isRunning(pid)).toBe(true);
    // Its place is free: the next replica takes the id with a record of its own.
    const { started } = await deployer.scaleTo(1, [], down);
    expect(started).toEqual(['pool-a-1']);
    const [record] = await readRecords(join(f.stateDir, 'pool-a'));
    expect(record?.pid).not.toBe(pid);
    expect(await isRunning(pid)).toBe(true);
    await deployer.scaleTo(0, [], down);
  });

  it('fills the place of a replica that died on its own at the next scale', async () => {
    const f = setup();
    const log = captureLog();
    const deployer = createProcessDeployer({ ...f.config('pool-a'), log });
    await deployer.scaleTo(2, [], down);
    await waitForReplicas(deployer, 'two', (rs) => rs.length === 2, 10_000);
    const records = await readRecords(join(f.stateDir, 'pool-a'));
    process.kill(records[0]?.pid as number, 'SIGKILL');
    const one = await waitForReplicas(deployer, 'one left', (rs) => rs.length === 1, 10_000);
    expect(one.map((r) => r.id)).toEqual(['pool-a-2']);
    const { started } = await deployer.scaleTo(2, [], down);
    // The lowest free number, so the new replica takes over the dead one's node key and outbox.
    expect(started).toEqual(['pool-a-1']);
    expect(log.entries.some((e) => /exited on its own/.test(e.msg))).toBe(true);
    await waitForReplicas(deployer, 'two again', (rs) => rs.length === 2, 10_000);
    await deployer.scaleTo(0, [], down);
  });

  it('finishes off a replica left draining past its deadline by an earlier autoscaler', async () => {
    const f = setup({ env: { STAND_IN_STUBBORN: '1' } });
    const deployer = createProcessDeployer(f.config('pool-a'));
    await deployer.scaleTo(2, [], down);
    await waitForReplicas(deployer, 'two', (rs) => rs.length === 2, 10_000);
    const targetDir = join(f.stateDir, 'pool-a');
    const [first] = await readRecords(targetDir);
    // As an autoscaler that sent SIGTERM and crashed would leave it.
    await writeRecord(targetDir, {
      ...first!,
      draining_since: Date.now() - 5_000,
      drain_deadline: Date.now() - 1,
    });
    const listed = await deployer.replicas();
    expect(listed.find((r) => r.id === first?.id)?.state).toBe('draining');
    // The draining one does not count: two serving means one more is started.
    const { started } = await createProcessDeployer(f.config('pool-a')).scaleTo(2, [], down);
    expect(started).toEqual(['pool-a-3']);
    expect(await isRunning(first?.pid as number)).toBe(false);
    await deployer.scaleTo(0, [], { drainTimeoutMs: 100 });
  });

  it('claims an id for one of two racing claimants, with the record whole and nothing else left', async () => {
    const f = setup();
    const targetDir = join(f.stateDir, 'pool-a');
    const record = (created_at: number) => ({
      id: 'pool-a-1',
      pid: null,
      proc_start: null,
      created_at,
      started_at: null,
      draining_since: null,
      drain_deadline: null,
    });
    const won = await Promise.all([claimRecord(targetDir, record(1)), claimRecord(targetDir, record(2))]);
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(await readRecords(targetDir)).toEqual([record(won[0] ? 1 : 2)]);
    expect(readdirSync(join(targetDir, 'pool-a-1'))).toEqual(['replica.json']);
  });

  it('adopts a replica spawned by a deployer that died before recording its pid', async () => {
    const f = setup();
    const log = captureLog();
    const targetDir = join(f.stateDir, 'pool-a');
    const dir = join(targetDir, 'pool-a-1');
    mkdirSync(dir, { recursive: true });
    // As an autoscaler SIGKILLed between the spawn and writing the pid leaves it: a claimed
    // record with no pid, and the replica running in its directory, in its own group.
    await writeRecord(targetDir, {
      id: 'pool-a-1',
      pid: null,
      proc_start: null,
      created_at: Date.now(),
      started_at: null,
      draining_since: null,
      drain_deadline: null,
    });
    const child = spawn(process.execPath, [f.script], { cwd: dir, stdio: 'ignore', detached: true });
    const pid = child.pid as number;
    cleanups.push(async () => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {}
    });
    await eventually('the orphan in its directory', async () => isRunning(pid), 5_000);
    const deployer = createProcessDeployer({ ...f.config('pool-a'), log });
    await eventually('it started', () => existsSync(join(dir, 'given.json')), 5_000);
    expect(await deployer.replicas()).toEqual([
      expect.objectContaining({ id: 'pool-a-1', state: 'running' }),
    ]);
    expect((await readRecords(targetDir))[0]?.pid).toBe(pid);
    expect(log.entries.some((e) => /adopted/.test(e.msg))).toBe(true);
    // Its place is taken: asking for two starts one, not a second pool-a-1.
    expect((await deployer.scaleTo(2, [], down)).started).toEqual(['pool-a-2']);
    await deployer.scaleTo(0, [], down);
    expect(await isRunning(pid)).toBe(false);
  });

  it('says so when the command cannot start, and keeps no record of it', async () => {
    const f = setup({ command: ['/no/such/program'] });
    const deployer = createProcessDeployer(f.config('pool-a'));
    await expect(deployer.scaleTo(1, [], down)).rejects.toThrow(
      /process deployer: could not start \/no\/such\/program for pool-a-1/,
    );
    expect(await deployer.replicas()).toEqual([]);
    expect(await readRecords(join(f.stateDir, 'pool-a'))).toEqual([]);
  });

  it('keeps one previous log when a replica of the same number starts over a large one', async () => {
    const f = setup();
    const dir = join(f.stateDir, 'pool-a', 'pool-a-1');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'worker.log'), Buffer.alloc(11 * 1024 * 1024, 'x'));
    const deployer = createProcessDeployer(f.config('pool-a'));
    await deployer.scaleTo(1, [], down);
    expect(statSync(join(dir, 'worker.log.1')).size).toBe(11 * 1024 * 1024);
    expect(statSync(join(dir, 'worker.log')).size).toBeLessThan(1024);
    await deployer.scaleTo(0, [], down);
  });

  it('refuses a target name that cannot be a directory and a node id', () => {
    const f = setup();
    expect(() => createProcessDeployer(f.config('../etc'))).toThrow(/process deployer: target name/);
  });
});
