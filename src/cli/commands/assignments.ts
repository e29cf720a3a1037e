import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { GroupAssignment } from '../../core/monitoring/assignment.ts';
import type { PublishedGroup } from '../../core/settlement/verify-epoch.ts';
import { CoordinatorReadError, coordinatorReads, coordinatorUrl, epochNumber } from '../coordinator-reads.ts';
import { UsageError } from '../exit.ts';
import { positiveInt } from '../parse.ts';

interface AssignmentsOptions {
  epoch?: number;
  coordinator?: string;
  members?: string;
  seed?: string;
  groupSize?: number;
  monitor?: string;
  target?: string;
  json?: boolean;
}

/** Everything the groups are drawn from, and what to compare them with. */
interface Inputs {
  epoch: number | null;
  members: string[];
  seed: string;
  groupSize: number;
  /** The groups the coordinator published, when there are some to compare with. */
  published: PublishedGroup[] | null;
  /** Problems found before the groups are drawn (a seed that does not follow the chain). */
  differences: string[];
}

function seedHex(value: string): string {
  const seed = value.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(seed)) throw new InvalidArgumentError('--seed must be 64 hex digits');
  return seed;
}

/** Asks the coordinator for the epoch's member snapshot and seed, and checks the seed follows the chain. */
async function fromCoordinator(url: string, n: number): Promise<Inputs> {
  const { epochSeed } = await import('../../core/monitoring/seed.ts');
  const reads = coordinatorReads(url);
  const view = await reads.epoch(n);
  let doc: Awaited<ReturnType<typeof reads.assignments>>;
  try {
    doc = await reads.assignments(n);
  } catch (error) {
    if (error instanceof CoordinatorReadError && error.slug === 'epoch-not-ready') {
      throw new Error(
        `epoch ${n} has no seed yet: its groups are drawn once epoch ${n - 1} settles (${error.message})`,
      );
    }
    throw error;
  }
  const differences: string[] = [];
  if (view.previous_settlement_hash !== null) {
    const expected = epochSeed(n, view.previous_settlement_hash);
    if (view.seed !== expected) {
      differences.push(`chain: the epoch's seed is ${JSON.stringify(view.seed)}, expected ${expected}`);
    }
  }
  if (doc.seed !== view.seed) {
    differences.push(`assignments: seed is ${JSON.stringify(doc.seed)}, the epoch's seed is ${view.seed}`);
  }
  return {
    epoch: n,
    members: doc.members.map((m) => m.node_id),
    seed: doc.seed,
    groupSize: doc.group_size,
    published: doc.groups,
    differences,
  };
}

const NOT_A_MEMBER_LIST =
  'must hold a JSON array of node ids or the saved output of GET /epochs/{n}/assignments';

/** Reads a member list from a file: an array of ids, or a saved assignment document (seed and groups included). */
async function fromFile(file: string, opts: AssignmentsOptions): Promise<Inputs> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read --members ${file}: ${(error as Error).message}`);
  }
  const saved =
    typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>) : null;
  const list = Array.isArray(doc) ? doc : saved?.['members'];
  if (!Array.isArray(list)) throw new Error(`--members ${file} ${NOT_A_MEMBER_LIST}`);
  const members = list.map((entry) =>
    Array.isArray(doc) ? entry : (entry as { node_id?: unknown })?.node_id,
  );
  if (!members.every((id): id is string => typeof id === 'string')) {
    throw new Error(`--members ${file} ${NOT_A_MEMBER_LIST}; found an entry without a node id`);
  }
  const savedSeed = typeof saved?.['seed'] === 'string' ? saved['seed'] : undefined;
  const savedSize = typeof saved?.['group_size'] === 'number' ? saved['group_size'] : undefined;
  // A bad seed in the file is bad data, not a bad command line: a plain failure, not commander's.
  if (savedSeed !== undefined && !/^[0-9a-f]{64}$/i.test(savedSeed))
    throw new Error(`--members ${file} carries a seed that is not 64 hex digits`);
  const seed = opts.seed ?? savedSeed?.toLowerCase();
  const groupSize = opts.groupSize ?? savedSize;
  // Missing options are the command line's fault (exit 2), even when only the file shows it.
  if (seed === undefined) throw new UsageError(`--seed is required: --members ${file} does not carry a seed`);
  if (groupSize === undefined)
    throw new UsageError(`--group-size is required: --members ${file} does not carry one`);
  // Saved groups are compared only when they were drawn from the same seed and size as these.
  const comparable = seed === savedSeed && groupSize === savedSize && Array.isArray(saved?.['groups']);
  return {
    epoch: typeof saved?.['epoch'] === 'number' ? saved['epoch'] : null,
    members,
    seed,
    groupSize,
    published: comparable ? (saved['groups'] as PublishedGroup[]) : null,
    differences: [],
  };
}

const sorted = (ids: readonly string[] | undefined): string[] =>
  [...(ids ?? [])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

function requireMember(groups: GroupAssignment, id: string, inputs: Inputs): void {
  if (!groups.targetsOf.has(id)) {
    const where = inputs.epoch === null ? '' : ` of epoch ${inputs.epoch}`;
    throw new Error(`${id} is not a member${where} (${inputs.members.length} members)`);
  }
}

/** The answer asked for: every group, or one node's targets or monitors. */
type Answer =
  | { monitor: string; targets: string[] }
  | { target: string; monitors: string[] }
  | { groups: PublishedGroup[] };

function answerOf(groups: GroupAssignment, opts: AssignmentsOptions, inputs: Inputs): Answer {
  if (opts.monitor !== undefined) {
    requireMember(groups, opts.monitor, inputs);
    return { monitor: opts.monitor, targets: sorted(groups.targetsOf.get(opts.monitor)) };
  }
  if (opts.target !== undefined) {
    requireMember(groups, opts.target, inputs);
    return { target: opts.target, monitors: sorted(groups.monitorsOf.get(opts.target)) };
  }
  return {
    groups: sorted([...groups.monitorsOf.keys()]).map((target) => ({
      target,
      monitors: sorted(groups.monitorsOf.get(target)),
    })),
  };
}

function printHuman(inputs: Inputs, groups: GroupAssignment, answer: Answer, differences: string[]) {
  if ('targets' in answer) console.log(`${answer.monitor} audits: ${answer.targets.join(', ')}`);
  else if ('monitors' in answer) console.log(`${answer.target} is audited by: ${answer.monitors.join(', ')}`);
  else {
    const epoch = inputs.epoch === null ? '' : `epoch ${inputs.epoch} · `;
    console.log(
      `${epoch}seed ${inputs.seed} · ${inputs.members.length} members · groups of ${groups.groupSize}`,
    );
    for (const { target, monitors } of answer.groups) console.log(`${target} ← ${monitors.join(', ')}`);
  }
  if (inputs.published === null) return;
  if (differences.length === 0)
    console.log('recomputed locally: the same as the groups the coordinator published');
  else {
    console.log('recomputed locally: NOT the groups the coordinator published:');
    for (const line of differences) console.log(line);
  }
}

export function assignmentsCommand(): Command {
  const cmd = new Command('assignments')
    .description(
      "recompute an epoch's monitoring groups from its member list and seed: from the coordinator (and compare with what it published) or offline",
    )
    .addOption(new Option('--epoch <n>', 'the epoch, read from --coordinator').argParser(epochNumber))
    .addOption(
      new Option('--coordinator <url>', 'coordinator base URL, e.g. http://127.0.0.1:8080').argParser(
        coordinatorUrl,
      ),
    )
    .addOption(
      new Option(
        '--members <file>',
        'offline: a JSON array of node ids, or saved GET /epochs/{n}/assignments output',
      ).conflicts(['coordinator', 'epoch']),
    )
    .addOption(
      new Option('--seed <hex>', 'offline: the epoch seed (64 hex digits)')
        .argParser(seedHex)
        .conflicts('coordinator'),
    )
    .addOption(
      new Option('--group-size <k>', 'offline: the group size')
        .argParser(positiveInt('group-size'))
        .conflicts('coordinator'),
    )
    .addOption(new Option('--monitor <id>', 'only the targets this node audits').conflicts('target'))
    .option('--target <id>', 'only the monitors auditing this node')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  vigil assignments --epoch 12 --coordinator http://127.0.0.1:8080 --monitor node-a\n  vigil assignments --members assignments-12.json --target node-a\n  vigil assignments --members ids.json --seed <64 hex> --group-size 24\nExit status 1 when the recomputed groups differ from the published ones.',
    );
  cmd.action(async (opts: AssignmentsOptions) => {
    let inputs: Inputs;
    if (opts.members !== undefined) inputs = await fromFile(opts.members, opts);
    else if (opts.coordinator !== undefined && opts.epoch !== undefined)
      inputs = await fromCoordinator(opts.coordinator, opts.epoch);
    else throw new UsageError('give --epoch and --coordinator, or --members with --seed and --group-size');

    const { assignGroups } = await import('../../core/monitoring/assignment.ts');
    const { compareGroups } = await import('../../core/settlement/verify-epoch.ts');
    const groups = assignGroups({ nodes: inputs.members, groupSize: inputs.groupSize, seedHex: inputs.seed });
    const differences = [
      ...inputs.differences,
      ...(inputs.published === null ? [] : compareGroups(groups, inputs.published)),
    ];
    const answer = answerOf(groups, opts, inputs);
    if (opts.json) {
      console.log(
        JSON.stringify(
          {
            epoch: inputs.epoch,
            seed: inputs.seed,
            group_size: groups.groupSize,
            members: inputs.members.length,
            ...answer,
            compared_with_published: inputs.published !== null,
            differences,
          },
          null,
          2,
        ),
      );
    } else printHuman(inputs, groups, answer, differences);
    if (differences.length > 0) {
      const count = differences.length;
      process.stderr.write(
        `vigil: the recomputed groups differ from the published ones (${count} difference${count === 1 ? '' : 's'})\n`,
      );
      process.exitCode = 1;
    }
  });
  return cmd;
}
