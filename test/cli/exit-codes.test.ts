import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lines, type RunResult, runVigil, tempDir } from './support.ts';

/**
 * The exit statuses scripts and process managers rely on (decision 0061, docs/operations.md):
 * 2 when the command line or the configuration is wrong and nothing was tried, 1 when the
 * command ran and failed. Each case runs the real `vigil` as a child process.
 */
const dir = tempDir();
afterAll(() => dir.cleanup());

function expectOneLine(result: RunResult, pattern: RegExp): void {
  const errors = lines(result.stderr);
  expect(errors[0], result.stderr).toMatch(pattern);
  // Commander may add one "(add --help for usage)" line; never a stack trace.
  expect(
    errors.slice(1).every((line) => /--help/.test(line)),
    result.stderr,
  ).toBe(true);
  expect(result.stdout).toBe('');
}

describe('vigil exit status 2: a wrong command line', () => {
  it.each([
    ['an unknown option', ['coordinator', '--frobnicate'], /unknown option '--frobnicate'/],
    ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['a missing argument', ['keys', 'revoke'], /missing required argument 'id-or-prefix'/],
    [
      'a missing required option',
      ['verify', '--coordinator', 'http://127.0.0.1:1'],
      /'--epoch <n>' not specified/,
    ],
    ['a bad choice', ['--log-format', 'xml', 'config', 'print'], /'xml' is invalid.*json, pretty/],
    ['a bad choice of a subcommand', ['config', 'print', '--format', 'xml'], /'xml' is invalid.*yaml, json/],
    [
      'a value its parser refuses',
      ['simulate', '--coordinator', 'http://127.0.0.1:1', '--nodes', '0'],
      /--nodes/,
    ],
    [
      'an option without the one it needs',
      ['assignments', '--epoch', '5'],
      /^vigil: give --epoch and --coordinator/,
    ],
  ])('%s', async (_label, args, pattern) => {
    const result = await runVigil(args, {
      env: { VIGIL_AUTH__SIGNING_KEY_PATH: join(dir.dir, 'unused.key') },
    });
    expect(result.code, result.stderr).toBe(2);
    expectOneLine(result, pattern);
  });

  it('a command that needs a subcommand, given none: its usage on stderr', async () => {
    const result = await runVigil(['config']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^Usage: vigil config/);
    expect(result.stdout).toBe('');
  });
});

describe('vigil exit status 2: a wrong configuration', () => {
  it('refuses a bad value in the environment before starting anything', async () => {
    const result = await runVigil(['coordinator', '--database-url', join(dir.dir, 'c.db')], {
      env: { VIGIL_SLA__SLICE_S: 'often' },
    });
    expect(result.code).toBe(2);
    expectOneLine(
      result,
      /^vigil: invalid configuration: sla\.slice_s = "often" \(from env VIGIL_SLA__SLICE_S\)/,
    );
  });

  it('refuses a bad log format for the worker, which has a configuration of its own', async () => {
    const result = await runVigil(['worker'], { env: { VIGIL_WORKER_CONFIG_JSON: '{}', LOG_FORMAT: 'xml' } });
    expect(result.code).toBe(2);
    expectOneLine(
      result,
      /^vigil: invalid configuration: log_format = "xml" \(from env LOG_FORMAT\): expected one of json, pretty$/,
    );
  });

  it('refuses a bad log level for the simulator as the configuration does', async () => {
    const result = await runVigil(['simulate', '--coordinator', 'http://127.0.0.1:1', '--key', 'k'], {
      env: { VIGIL_LOG_LEVEL: 'loud' },
      timeoutMs: 10_000,
    });
    expect(result.code).toBe(2);
    expectOneLine(result, /^vigil: invalid configuration: log_level = "loud" \(from env VIGIL_LOG_LEVEL\)/);
  });
});

describe('vigil exit status 1: a failure while running', () => {
  it('says in one line that the port is in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = await runVigil(
        [
          'coordinator',
          '--port',
          String(port),
          '--database-url',
          join(dir.dir, 'p.db'),
          '--log-level',
          'silent',
        ],
        { env: { VIGIL_AUTH__SIGNING_KEY_PATH: join(dir.dir, 'p.key') } },
      );
      expect(result.code).toBe(1);
      expect(lines(result.stderr)).toEqual([
        expect.stringMatching(new RegExp(`^vigil: port ${port} .*in use`)),
      ]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('says in one line that the database cannot be reached', async () => {
    const result = await runVigil(['migrate', '--database-url', 'postgres://vigil_nobody@127.0.0.1:1/vigil']);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([expect.stringMatching(/^vigil: \S/)]);
  });

  it('says in one line that the coordinator cannot be reached', async () => {
    const result = await runVigil(['verify', '--epoch', '1', '--coordinator', 'http://127.0.0.1:1']);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([expect.stringMatching(/^vigil: .*127\.0\.0\.1:1/)]);
  });
});
