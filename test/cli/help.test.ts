import { describe, expect, it } from 'vitest';
import { lines, runVigil } from './support.ts';

// `--help` is part of the contract deploy scripts and operators rely on: every command has
// one, it exits 0, and it names the options the command takes.
const HELP: Array<{ args: string[]; mentions: string[] }> = [
  {
    args: [],
    mentions: [
      '--config',
      '--log-level',
      '--log-format',
      'up',
      'coordinator',
      'migrate',
      'keys',
      'config',
      'simulate',
      'verify',
      'assignments',
      'prometheus',
      'forecast',
    ],
  },
  { args: ['coordinator'], mentions: ['--port', '--host', '--database-url'] },
  { args: ['up'], mentions: ['--port', '--nodes', '--database-url'] },
  { args: ['migrate'], mentions: ['--database-url'] },
  { args: ['keys'], mentions: ['create', 'list', 'revoke'] },
  {
    args: ['keys', 'create'],
    mentions: ['--role', '--label', '--database-url', 'admin', 'operator', 'read'],
  },
  { args: ['keys', 'list'], mentions: ['--database-url'] },
  { args: ['keys', 'revoke'], mentions: ['<id-or-prefix>', '--database-url'] },
  { args: ['config'], mentions: ['print'] },
  { args: ['config', 'print'], mentions: ['--format', '--keys', '--sources'] },
  { args: ['simulate'], mentions: ['--coordinator', '--key', '--nodes'] },
  { args: ['prometheus'], mentions: ['rules'] },
  { args: ['prometheus', 'rules'], mentions: ['--up', '--output'] },
  { args: ['forecast'], mentions: ['--input', '--interval-s', '--horizon', '--seasons', '--json'] },
  { args: ['verify'], mentions: ['--epoch', '--coordinator', '--coordinator-key', '--json'] },
  {
    args: ['assignments'],
    mentions: [
      '--epoch',
      '--coordinator',
      '--members',
      '--seed',
      '--group-size',
      '--monitor',
      '--target',
      '--json',
    ],
  },
];

/** Commander's one-line error, then at most its "(add --help for usage)" hint; never a stack trace. */
function expectShortError(stderr: string, pattern: RegExp): void {
  const errorLines = lines(stderr);
  expect(errorLines[0]).toMatch(pattern);
  expect(errorLines.length, stderr).toBeLessThanOrEqual(2);
  expect(
    errorLines.slice(1).every((line) => /--help/.test(line)),
    stderr,
  ).toBe(true);
  expect(stderr).not.toMatch(/^\s+at /m);
}

describe('vigil --help', () => {
  it('prints usage and exits 0 for the program and for every subcommand', async () => {
    const results = await Promise.all(HELP.map(({ args }) => runVigil([...args, '--help'])));
    results.forEach((result, i) => {
      const { args, mentions } = HELP[i]!;
      const label = `vigil ${[...args, '--help'].join(' ')}`;
      expect(result.code, `${label}\n${result.stderr}`).toBe(0);
      expect(result.stdout, label).toMatch(new RegExp(`^Usage: vigil ${args.join(' ')}`.trimEnd()));
      for (const word of mentions) expect(result.stdout, `${label} mentions ${word}`).toContain(word);
      expect(result.stderr, label).toBe('');
    });
  });

  it('refuses an unknown command, an unknown option and a missing required option with a short error', async () => {
    const [command, option, subOption, missing] = await Promise.all([
      runVigil(['frobnicate']),
      runVigil(['--frobnicate']),
      runVigil(['migrate', '--frobnicate']),
      runVigil(['keys', 'create']),
    ]);
    for (const result of [command, option, subOption, missing]) {
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
    }
    expectShortError(command.stderr, /unknown command 'frobnicate'/);
    expectShortError(option.stderr, /unknown option '--frobnicate'/);
    expectShortError(subOption.stderr, /unknown option '--frobnicate'/);
    expectShortError(missing.stderr, /required option '--role <role>' not specified/);
  });
});
