import { CommanderError, InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { exitCodeFor, messageFor, UsageError } from '../../src/cli/exit.ts';
import { ConfigError } from '../../src/config/index.ts';

describe('exit status and message of an error that ends a command (decision 0061)', () => {
  it('maps usage and configuration errors to 2, help to 0, anything else to 1', () => {
    expect(exitCodeFor(new CommanderError(1, 'commander.unknownOption', 'x'))).toBe(2);
    expect(exitCodeFor(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'))).toBe(0);
    expect(exitCodeFor(new UsageError('give --epoch'))).toBe(2);
    expect(
      exitCodeFor(
        new ConfigError([{ key: 'port', value: 'abc', origin: 'env VIGIL_PORT', expected: 'a number' }]),
      ),
    ).toBe(2);
    expect(exitCodeFor(new Error('port 8080 is already in use'))).toBe(1);
  });

  it("prints nothing for commander's own errors, which it has printed, and one line per line otherwise", () => {
    expect(messageFor(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'"))).toBe(
      '',
    );
    // Thrown after parsing, commander never saw it: it must still be said.
    expect(messageFor(new InvalidArgumentError('--seed must be 64 hex digits'))).toBe(
      'vigil: --seed must be 64 hex digits\n',
    );
    expect(messageFor(new Error('one\ntwo'))).toBe('vigil: one\nvigil: two\n');
  });
});
