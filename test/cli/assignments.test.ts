import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { twoEpochs } from '../core/settlement/published-epoch.ts';
import { type CannedAnswer, fakeCoordinator, problem } from './fake-coordinator.ts';
import { lines, runVigil, tempDir } from './support.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function serve(answers: Record<string, CannedAnswer>) {
  const server = await fakeCoordinator(answers);
  cleanups.push(server.close);
  return server;
}

function scratchFile(name: string, content: unknown): string {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(content));
  return file;
}

/** The groups as `vigil assignments` prints them, from the fixture's published groups. */
function groupLines(groups: ReadonlyArray<{ target: string; monitors: string[] }>): string[] {
  return groups.map((g) => `${g.target} ← ${g.monitors.join(', ')}`);
}

describe('vigil assignments', () => {
  it('recomputes the groups from the coordinator’s member list and seed, and finds them the same', async () => {
    const { second } = twoEpochs();
    const server = await serve({
      '/epochs/5': { body: second.epoch },
      '/epochs/5/assignments': { body: second.assignments },
    });
    const result = await runVigil(['assignments', '--epoch', '5', '--coordinator', server.url]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toEqual([
      `epoch 5 · seed ${second.epoch.seed} · 6 members · groups of 3`,
      ...groupLines(second.assignments.groups),
      'recomputed locally: the same as the groups the coordinator published',
    ]);
  });

  it('answers for one monitor or one target', async () => {
    const { second } = twoEpochs();
    const server = await serve({
      '/epochs/5': { body: second.epoch },
      '/epochs/5/assignments': { body: second.assignments },
    });
    const base = ['assignments', '--epoch', '5', '--coordinator', server.url];
    const [monitor, target] = await Promise.all([
      runVigil([...base, '--monitor', 'bravo']),
      runVigil([...base, '--target', 'bravo', '--json']),
    ]);
    const auditedByBravo = second.assignments.groups
      .filter((g) => g.monitors.includes('bravo'))
      .map((g) => g.target);
    expect(monitor.code, monitor.stderr).toBe(0);
    expect(lines(monitor.stdout)[0]).toBe(`bravo audits: ${auditedByBravo.join(', ')}`);
    expect(target.code, target.stderr).toBe(0);
    expect(JSON.parse(target.stdout)).toEqual({
      epoch: 5,
      seed: second.epoch.seed,
      group_size: 3,
      members: 6,
      target: 'bravo',
      monitors: second.assignments.groups.find((g) => g.target === 'bravo')!.monitors,
      compared_with_published: true,
      differences: [],
    });
  });

  it('exits 1 and names the group a coordinator published differently', async () => {
    const { second } = twoEpochs();
    const published = structuredClone(second.assignments);
    const group = published.groups.find((g) => g.target === 'alpha')!;
    const recomputed = group.monitors;
    const outsider = published.members
      .map((m) => m.node_id)
      .find((id) => id !== 'alpha' && !recomputed.includes(id))!;
    group.monitors = [...recomputed.slice(1), outsider].sort();
    const server = await serve({
      '/epochs/5': { body: second.epoch },
      '/epochs/5/assignments': { body: published },
    });
    const result = await runVigil(['assignments', '--epoch', '5', '--coordinator', server.url]);
    expect(result.code).toBe(1);
    expect(lines(result.stdout).slice(-2)).toEqual([
      'recomputed locally: NOT the groups the coordinator published:',
      `assignments: group of alpha: published monitors [${group.monitors.join(', ')}], recomputed [${recomputed.join(', ')}]`,
    ]);
    expect(lines(result.stderr)).toEqual([
      'vigil: the recomputed groups differ from the published ones (1 difference)',
    ]);
  });

  it('says an epoch has no seed yet when the coordinator answers epoch-not-ready', async () => {
    const { second } = twoEpochs();
    const server = await serve({
      '/epochs/5': { body: { ...second.epoch, seed: null, previous_settlement_hash: null } },
      '/epochs/5/assignments': problem(409, 'epoch-not-ready', 'epoch 5 has no seed until epoch 4 settles', {
        'retry-after': '30',
      }),
    });
    const result = await runVigil(['assignments', '--epoch', '5', '--coordinator', server.url]);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([
      'vigil: epoch 5 has no seed yet: its groups are drawn once epoch 4 settles (GET /epochs/5/assignments answered 409 epoch-not-ready: epoch 5 has no seed until epoch 4 settles (retry after 30 s))',
    ]);
  });

  it('recomputes offline from a file of node ids, in any order', async () => {
    const { second } = twoEpochs();
    const file = scratchFile('members.json', ['foxtrot', 'alpha', 'echo', 'charlie', 'bravo', 'delta']);
    const result = await runVigil([
      'assignments',
      '--members',
      file,
      '--seed',
      second.epoch.seed!.toUpperCase(),
      '--group-size',
      '3',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout)).toEqual([
      `seed ${second.epoch.seed} · 6 members · groups of 3`,
      ...groupLines(second.assignments.groups),
    ]);
  });

  it('recomputes offline from a saved assignment document and compares with its groups', async () => {
    const { second } = twoEpochs();
    const file = scratchFile('assignments.json', second.assignments);
    const result = await runVigil(['assignments', '--members', file, '--monitor', 'delta', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({
      epoch: 5,
      monitor: 'delta',
      compared_with_published: true,
      differences: [],
    });
    expect(json.targets).toEqual(
      second.assignments.groups.filter((g) => g.monitors.includes('delta')).map((g) => g.target),
    );
  });

  it('refuses what it cannot answer, in one line each', async () => {
    const ids = scratchFile('members.json', ['alpha', 'bravo', 'charlie']);
    const seed = 'ab'.repeat(32);
    const [noSource, noSeed, both, stranger, notIds] = await Promise.all([
      runVigil(['assignments', '--epoch', '5']),
      runVigil(['assignments', '--members', ids, '--group-size', '2']),
      runVigil([
        'assignments',
        '--members',
        ids,
        '--seed',
        seed,
        '--group-size',
        '2',
        '--monitor',
        'a',
        '--target',
        'b',
      ]),
      runVigil(['assignments', '--members', ids, '--seed', seed, '--group-size', '2', '--monitor', 'zulu']),
      runVigil([
        'assignments',
        '--members',
        scratchFile('bad.json', { nodes: [] }),
        '--seed',
        seed,
        '--group-size',
        '2',
      ]),
    ]);
    for (const result of [noSource, noSeed, both, stranger, notIds]) expect(result.stdout).toBe('');
    // What the command line lacks or contradicts is a usage error; what the data says is a failure.
    expect([noSource, noSeed, both].map((r) => r.code)).toEqual([2, 2, 2]);
    expect([stranger, notIds].map((r) => r.code)).toEqual([1, 1]);
    expect(lines(noSource.stderr)).toEqual([
      'vigil: give --epoch and --coordinator, or --members with --seed and --group-size',
    ]);
    expect(lines(noSeed.stderr)).toEqual([
      `vigil: --seed is required: --members ${ids} does not carry a seed`,
    ]);
    expect(both.stderr).toMatch(/option '--monitor <id>' cannot be used with option '--target <id>'/);
    expect(lines(stranger.stderr)).toEqual(['vigil: zulu is not a member (3 members)']);
    expect(notIds.stderr).toMatch(
      /must hold a JSON array of node ids or the saved output of GET \/epochs\/\{n\}\/assignments/,
    );
  });
});
