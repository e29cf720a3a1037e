import { Command } from 'commander';
import type { EpochVerification, PublishedSettlement } from '../../core/settlement/verify-epoch.ts';
import {
  CoordinatorReadError,
  type CoordinatorReads,
  coordinatorReads,
  coordinatorUrl,
  epochNumber,
  publicKeyText,
} from '../coordinator-reads.ts';

interface VerifyOptions {
  epoch: number;
  coordinator: string;
  coordinatorKey?: string;
  json?: boolean;
}

/** Epoch n−1's settlement, or null when the coordinator never recorded epoch n−1 (404). */
async function previousSettlementOf(reads: CoordinatorReads, n: number): Promise<PublishedSettlement | null> {
  if (n === 0) return null;
  try {
    return await reads.settlement(n - 1);
  } catch (error) {
    if (error instanceof CoordinatorReadError && error.status === 404) return null;
    throw error;
  }
}

/** Downloads what the coordinator published about epoch n and checks it (core/settlement/verify-epoch.ts). */
async function verify(
  reads: CoordinatorReads,
  n: number,
  coordinatorKey: string,
): Promise<EpochVerification> {
  const { verifyPublishedEpoch } = await import('../../core/settlement/verify-epoch.ts');
  const epoch = await reads.epoch(n);
  let settlement: PublishedSettlement;
  try {
    settlement = await reads.settlement(n);
  } catch (error) {
    if (error instanceof CoordinatorReadError && error.slug === 'not-settled') {
      throw new Error(
        `epoch ${n} is not settled yet (state ${epoch.state ?? 'unknown'}), nothing to verify: ${error.message}`,
      );
    }
    throw error;
  }
  const [assignments, reports, previousSettlement] = await Promise.all([
    reads.assignments(n),
    reads.reports(n),
    previousSettlementOf(reads, n),
  ]);
  return verifyPublishedEpoch({
    epoch,
    settlement,
    assignments,
    reports,
    previousSettlement,
    coordinatorKey,
  });
}

function printHuman(result: EpochVerification, key: string, keySource: string): void {
  const s = result.summary;
  const out = (label: string, value: string) => console.log(`${label.padEnd(17)}${value}`);
  out('coordinator key', `${key} (${keySource})`);
  if (!result.ok) {
    console.log(
      `epoch ${s.epoch} does not verify: ${result.differences.length} difference${result.differences.length === 1 ? '' : 's'}`,
    );
    for (const line of result.differences) console.log(line);
    return;
  }
  out('epoch', String(s.epoch));
  out('members', `${s.members}, groups of ${s.group_size}`);
  out(
    'reports',
    `${s.reports_published} published, ${s.reports_accepted} accepted, ${s.reports_rejected} rejected`,
  );
  out('total reward', `${s.total_reward} of ${s.reward_pool} (withheld ${s.withheld})`);
  out('settlement hash', s.settlement_hash);
  out('previous hash', s.previous_settlement_hash);
  console.log('verified');
}

export function verifyCommand(): Command {
  const cmd = new Command('verify')
    .description(
      "recompute a settled epoch from the coordinator's published reports and check every signature, group, reward and the hash chain",
    )
    .requiredOption('--epoch <n>', 'the epoch to verify', epochNumber)
    .requiredOption('--coordinator <url>', 'coordinator base URL, e.g. http://127.0.0.1:8080', coordinatorUrl)
    .option(
      '--coordinator-key <base64url>',
      'trust this coordinator public key instead of asking GET /coordinator/identity',
      publicKeyText,
    )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExit status: 0 verified; 1 with every difference, one per line, or when the coordinator\ncannot be read. What is checked: docs/settlement.md, "Verifying a settlement".',
    );
  cmd.action(async (opts: VerifyOptions) => {
    const reads = coordinatorReads(opts.coordinator);
    const pinned = opts.coordinatorKey !== undefined;
    const key = opts.coordinatorKey ?? (await reads.identity());
    const keySource = pinned ? 'pinned with --coordinator-key' : 'from GET /coordinator/identity';
    const result = await verify(reads, opts.epoch, key);
    if (opts.json) {
      const source = pinned ? 'pinned' : 'identity';
      console.log(JSON.stringify({ ...result, coordinator_key: { public_key: key, source } }, null, 2));
    } else {
      printHuman(result, key, keySource);
    }
    if (!result.ok) {
      const count = result.differences.length;
      process.stderr.write(
        `vigil: epoch ${opts.epoch} does not verify (${count} difference${count === 1 ? '' : 's'})\n`,
      );
      process.exitCode = 1;
    }
  });
  return cmd;
}
