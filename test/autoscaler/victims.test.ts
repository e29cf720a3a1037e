import { describe, expect, it } from 'vitest';
import type { Replica } from '../../src/autoscaler/deployers/deployer.ts';
import { scaledTargetFor } from '../../src/autoscaler/target-model.ts';
import { rankVictims } from '../../src/autoscaler/victims.ts';
import { configSchema } from '../../src/config/index.ts';

const replica = (id: string, state: Replica['state'], started_at: number): Replica => ({
  id,
  state,
  started_at,
});

describe('choosing whom a scale-down stops', () => {
  const replicas = [
    replica('busy-good', 'running', 1),
    replica('idle-good', 'running', 2),
    replica('idle-poor', 'running', 3),
    replica('new', 'starting', 9),
    replica('leaving', 'draining', 4),
  ];
  const loads = new Map([
    ['busy-good', { busy_slots: 3, score: 0.9 }],
    ['idle-good', { busy_slots: 0, score: 0.9 }],
    ['idle-poor', { busy_slots: 0, score: 0.2 }],
  ]);

  it('stops the starting first, then the idle with the lowest score, and never the draining twice', () => {
    expect(rankVictims(replicas, 4, loads)).toEqual([]);
    expect(rankVictims(replicas, 3, loads)).toEqual(['new']);
    expect(rankVictims(replicas, 1, loads)).toEqual(['new', 'idle-poor', 'idle-good']);
    expect(rankVictims(replicas, 0, loads)).toEqual(['new', 'idle-poor', 'idle-good', 'busy-good']);
  });

  it('weighs a replica by the node its deployer names, else by a node of its own name', () => {
    // Containers named apart from their nodes, as the docker deployer names them.
    const named = [
      { ...replica('vigil-p-1', 'running', 1), node_id: 'p-1' },
      { ...replica('vigil-p-2', 'running', 2), node_id: 'p-2' },
      replica('pod-x', 'running', 3),
    ];
    const byNode = new Map([
      ['p-1', { busy_slots: 0, score: 0.5 }],
      ['p-2', { busy_slots: 2, score: 0.5 }],
      ['pod-x', { busy_slots: 1, score: 0.5 }],
      // Keyed by a container's name, a load is not the replica's.
      ['vigil-p-1', { busy_slots: 9, score: 0.5 }],
    ]);
    expect(rankVictims(named, 0, byNode)).toEqual(['vigil-p-1', 'pod-x', 'vigil-p-2']);
  });

  it('takes the newest first among replicas it knows nothing of', () => {
    const plain = [replica('a', 'running', 1), replica('b', 'running', 5), replica('c', 'running', 3)];
    expect(rankVictims(plain, 1, new Map())).toEqual(['b', 'c']);
  });
});

describe('a configured target as core’s scaling model', () => {
  it('names policies by kind, takes the topic’s deadline, and refuses stale readings', () => {
    const [config] = configSchema.parse({
      autoscaler: {
        targets: [
          {
            name: 'pool',
            topic: 'hash',
            deployer: { kind: 'process' },
            policies: [
              { kind: 'backlog', startup_s: 5 },
              { kind: 'watermark', high: 50, low: 5 },
              { kind: 'watermark', high: 500, low: 50 },
            ],
          },
        ],
      },
    }).autoscaler.targets;
    const model = scaledTargetFor(
      config!,
      { paused: false, min_replicas: 2, max_replicas: 9 },
      {
        topicDeadlineS: 30,
        staleAfterS: 60,
      },
    );
    expect(model.policies.map((p) => p.name)).toEqual(['backlog', 'watermark', 'watermark-2']);
    expect(model.policies[0]).toMatchObject({
      deadline_s: 30,
      startup_s: 5,
      backlog: 'topic.backlog',
      throughput_per_replica_per_s: 'topic.per_replica_per_s',
      max_age_s: 60,
    });
    expect(model).toMatchObject({ min_replicas: 2, max_replicas: 9, behaviour: { cooldown_s: 0 } });
    const noDeadline = scaledTargetFor(
      config!,
      { paused: false, min_replicas: 0, max_replicas: 9 },
      {
        topicDeadlineS: null,
        staleAfterS: 60,
      },
    );
    expect(noDeadline.policies[0]).toMatchObject({ deadline_s: 60 });
  });
});
