import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Lab, LabHost } from './namespaces.ts';
import { type LabProcess, spawnIn } from './processes.ts';

const run = promisify(execFile);
const PROGRAM = fileURLToPath(new URL('./nfqueue-impair.py', import.meta.url));
const QUEUE = 1;

/**
 * A host's link to its peers, as the test wants it: `roundTripMs` added to every round trip
 * through it (half on the way out, half on the way in), and `loss` the chance that a packet
 * is dropped, each way. A pair's round trip is the sum of both hosts' `roundTripMs`.
 */
export interface LinkImpairment {
  roundTripMs: number;
  loss?: number;
}

/**
 * Impairs a host's link without netem (the test kernels lack sch_netem): iptables rules in the
 * host's namespace send its packets to and from peers to an NFQUEUE queue, and
 * `nfqueue-impair.py`, running in that namespace, holds each for half the round trip and
 * drops the lost ones. Traffic with the lab's gateway (the coordinator) is left alone, so the
 * coordinator's clock, interim summaries and reports are never what an impairment measures.
 * The rules go in only once the program is bound: a queue with no reader drops everything.
 */
export async function impairLink(lab: Lab, host: LabHost, link: LinkImpairment): Promise<LabProcess> {
  const loss = link.loss ?? 0;
  if (!(link.roundTripMs >= 0) || !(loss >= 0 && loss < 1))
    throw new Error(
      `impairment of ${host.name}: round trip must be >= 0 and loss in [0, 1), got ${JSON.stringify(link)}`,
    );
  const program = spawnIn(host, `nfqueue-impair on ${host.name}`, 'python3', [
    PROGRAM,
    '--queue',
    String(QUEUE),
    '--delay-ms',
    String(link.roundTripMs / 2),
    '--loss',
    String(loss),
  ]);
  await program.waitFor(/^ready$/, 10_000);
  const rules = [
    ['-A', 'OUTPUT', '-d', lab.gateway, '-j', 'ACCEPT'],
    ['-A', 'OUTPUT', '-d', lab.subnet, '-j', 'NFQUEUE', '--queue-num', String(QUEUE)],
    ['-A', 'INPUT', '-s', lab.gateway, '-j', 'ACCEPT'],
    ['-A', 'INPUT', '-s', lab.subnet, '-j', 'NFQUEUE', '--queue-num', String(QUEUE)],
  ];
  for (const rule of rules) {
    try {
      await run('ip', ['netns', 'exec', host.ns, 'iptables', '-w', ...rule]);
    } catch (error) {
      await program.stop();
      const stderr = (error as { stderr?: string }).stderr?.trim();
      throw new Error(`iptables ${rule.join(' ')} in ${host.ns}: ${stderr || (error as Error).message}`);
    }
  }
  return program;
}
