import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One simulated host: a network namespace with one interface on the lab's bridge. */
export interface LabHost {
  /** The test's name for it ("far", "lossy"). */
  name: string;
  /** The namespace, for `ip netns exec`. */
  ns: string;
  ip: string;
}

/**
 * Hosts in network namespaces, each joined to one bridge in the root namespace by a veth pair,
 * on a /24 of 10.x.y.0 picked at random among those this machine does not use. The root
 * namespace holds the bridge's address (`gateway`), so a server started by the test process
 * itself is reachable from every host. Names carry a run id (the pid and a random suffix), so
 * parallel runs and leftovers of a killed run never clash.
 */
export interface Lab {
  runId: string;
  gateway: string;
  /** The lab's subnet in CIDR form. */
  subnet: string;
  hosts: LabHost[];
  /** Runs a command inside a host's namespace and returns its stdout; fails with its stderr. */
  exec(host: LabHost, command: string, args: readonly string[]): Promise<string>;
  /** Removes every namespace, link and bridge it made; safe to call twice, and after a failed start. */
  close(): Promise<void>;
}

export async function ip(args: readonly string[]): Promise<string> {
  try {
    return (await run('ip', args)).stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`ip ${args.join(' ')}: ${stderr || (error as Error).message}`);
  }
}

/** A 10.x.y.0/24 that no interface on this machine has an address in. */
async function freeSubnet(): Promise<string> {
  const used = await ip(['-4', '-o', 'addr', 'show']);
  for (let i = 0; i < 50; i++) {
    const prefix = `10.${randomInt(100, 250)}.${randomInt(0, 256)}`;
    if (!used.includes(` ${prefix}.`)) return prefix;
  }
  throw new Error('no free 10.x.y.0/24 for the network test after 50 tries');
}

export async function createLab(names: readonly string[]): Promise<Lab> {
  if (names.length === 0 || names.length > 200)
    throw new Error(`a lab has 1 to 200 hosts, not ${names.length}`);
  // Interface names have at most 15 characters: "vgt" + 6 + host index.
  const runId = `${process.pid.toString(36).slice(-4)}${randomInt(36 ** 2)
    .toString(36)
    .padStart(2, '0')}`;
  const bridge = `vgt${runId}`;
  const prefix = await freeSubnet();
  const forwardRule = ['FORWARD', '-i', bridge, '-o', bridge, '-j', 'ACCEPT'];
  const hosts: LabHost[] = [];
  const made = { bridge: false, forward: false, namespaces: [] as string[], links: [] as string[] };
  const lab: Lab = {
    runId,
    gateway: `${prefix}.1`,
    subnet: `${prefix}.0/24`,
    hosts,
    async exec(host, command, args) {
      return ip(['netns', 'exec', host.ns, command, ...args]);
    },
    async close() {
      const problems: string[] = [];
      // Deleting a namespace deletes its end of the veth pair, and with it the bridge's end.
      for (const ns of made.namespaces.splice(0)) {
        await ip(['netns', 'del', ns]).catch((e: Error) => problems.push(e.message));
      }
      // A veth left in the root namespace by a start that failed half-way; normally gone already.
      for (const link of made.links.splice(0)) await ip(['link', 'del', link]).catch(() => {});
      if (made.forward) {
        made.forward = false;
        await run('iptables', ['-w', '-D', ...forwardRule]).catch((e: Error) => problems.push(e.message));
      }
      if (made.bridge) {
        made.bridge = false;
        await ip(['link', 'del', bridge]).catch((e: Error) => problems.push(e.message));
      }
      if (problems.length > 0)
        throw new Error(`network lab ${runId} not fully removed: ${problems.join('; ')}`);
    },
  };
  try {
    await ip(['link', 'add', bridge, 'type', 'bridge']);
    made.bridge = true;
    await ip(['addr', 'add', `${lab.gateway}/24`, 'dev', bridge]);
    await ip(['link', 'set', bridge, 'up']);
    // With br_netfilter, bridged frames cross the root namespace's FORWARD chain, which a host
    // running Docker sets to DROP: let the lab's own bridge through, and only it.
    await run('iptables', ['-w', '-I', ...forwardRule]);
    made.forward = true;
    for (const [i, name] of names.entries()) {
      const ns = `vgt-${runId}-${i}`;
      const outside = `vgt${runId}${i.toString(36)}`;
      const inside = `vgt${runId}p`;
      await ip(['netns', 'add', ns]);
      made.namespaces.push(ns);
      await ip(['link', 'add', outside, 'type', 'veth', 'peer', 'name', inside]);
      made.links.push(outside);
      await ip(['link', 'set', inside, 'netns', ns]);
      await ip(['-n', ns, 'link', 'set', inside, 'name', 'eth0']);
      await ip(['link', 'set', outside, 'master', bridge]);
      await ip(['link', 'set', outside, 'up']);
      const host: LabHost = { name, ns, ip: `${prefix}.${i + 2}` };
      await ip(['-n', ns, 'addr', 'add', `${host.ip}/24`, 'dev', 'eth0']);
      await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
      await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      hosts.push(host);
    }
  } catch (error) {
    await lab.close().catch(() => {});
    throw error;
  }
  return lab;
}
