import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { eventually } from '../../helpers/eventually.ts';

const inCi = process.env.CI === 'true' || process.env.CI === '1';
const PROJECT = fileURLToPath(new URL('./hardhat/', import.meta.url));
const CLI = fileURLToPath(new URL('../../../node_modules/hardhat/dist/src/cli.js', import.meta.url));

/**
 * Why Hardhat cannot run here, or null. Its chain is a native build (`@nomicfoundation/edr-*`)
 * that npm installs only when npm itself runs on Node 22 or later: an `npm install` on an older
 * system Node skips it. Outside CI the tests then skip and say how to install it; in CI, whose
 * `.ci/run` installs again on the project's Node 24, they fail instead.
 */
function hardhatProblem(): string | null {
  try {
    createRequire(import.meta.url)('@nomicfoundation/edr');
    return null;
  } catch (error) {
    const message = (error as Error).message;
    // EDR's own message blames an npm bug and suggests deleting the lock file; the usual cause
    // here is npm having run on an older Node.
    const why = /native binding/i.test(message)
      ? `its native build for ${process.platform}-${process.arch} is not installed (npm skips it when npm itself runs on Node older than 22)`
      : message.split('\n')[0];
    return `Hardhat's chain (@nomicfoundation/edr) cannot load: ${why}; install with \`npx --yes --package=node@24 -- npm install\``;
  }
}
const problem = hardhatProblem();
export const hardhat = {
  skip: problem !== null && !inCi ? problem : null,
  fail: problem !== null && inCi ? problem : null,
};
if (hardhat.skip !== null) console.warn(`[vigil tests] EVM block source tests skipped: ${hardhat.skip}`);

/**
 * `hardhat node` as a child process on a fixed port of 127.0.0.1, which can be killed and
 * started again on that port: it comes back as a new chain at block 0.
 */
export class HardhatNode {
  readonly port: number;
  private child: ChildProcess | undefined;
  private output = '';
  constructor(port: number) {
    this.port = port;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Starts the node (on the project's Node, this process's) and waits until it answers. */
  async start(): Promise<void> {
    this.output = '';
    const child = spawn(
      process.execPath,
      [CLI, 'node', '--hostname', '127.0.0.1', '--port', String(this.port)],
      {
        cwd: PROJECT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, HARDHAT_DISABLE_TELEMETRY: 'true', FORCE_COLOR: '0' },
      },
    );
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8').on('data', (chunk: string) => {
        this.output = (this.output + chunk).slice(-4000);
      });
    }
    await eventually(
      `hardhat node on port ${this.port}`,
      async () => {
        if (child.exitCode !== null)
          throw new Error(`hardhat node exited with ${child.exitCode}:\n${this.output}`);
        return (await this.rpc('eth_chainId', []).catch(() => undefined)) !== undefined;
      },
      30_000,
      100,
    );
  }

  /** One JSON-RPC call over HTTP; throws the node's error. */
  async rpc(method: string, params: unknown[]): Promise<unknown> {
    const response = await fetch(this.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      signal: AbortSignal.timeout(5000),
    });
    const body = (await response.json()) as { result?: unknown; error?: { message: string } };
    if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
    return body.result;
  }

  /** Mines `count` blocks one at a time (each with its own newHeads) and returns the last one's number. */
  async mine(count = 1): Promise<number> {
    for (let i = 0; i < count; i++) await this.rpc('evm_mine', []);
    return this.blockNumber();
  }

  async blockNumber(): Promise<number> {
    return Number.parseInt(String(await this.rpc('eth_blockNumber', [])), 16);
  }

  async hashOf(number: number): Promise<string> {
    const block = (await this.rpc('eth_getBlockByNumber', [`0x${number.toString(16)}`, false])) as {
      hash: string;
    };
    return block.hash;
  }

  /** SIGKILL: the chain is gone; returns once the process has exited. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** What the node printed last, for a failing test's message. */
  log(): string {
    return this.output;
  }
}
