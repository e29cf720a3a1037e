import type { z } from 'zod';
import { type ConfigProblem, problem } from './errors.ts';
import { type Merged, originOf, valueAt } from './merge.ts';
import { childKeys } from './paths.ts';
import { defaultConfig } from './schema.ts';
import { unknownKeyMessage } from './suggest.ts';

type Issue = z.core.$ZodIssue;

// zod's own messages ("Invalid input: expected number, received string") describe the type
// system; an operator reading a startup error wants the rule the value broke, stated plainly.

const TYPE_NAMES: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
};

function bound(issue: Issue & { code: 'too_small' | 'too_big' }): string {
  const limit = issue.code === 'too_small' ? issue.minimum : issue.maximum;
  const below = issue.code === 'too_big';
  switch (issue.origin) {
    case 'number':
    case 'int':
      return `expected a number ${below ? '<' : '>'}${issue.inclusive ? '=' : ''} ${limit}`;
    case 'string':
      return Number(limit) === 1 && !below
        ? 'expected a non-empty string'
        : `expected ${below ? 'at most' : 'at least'} ${limit} characters`;
    case 'array':
      return `expected ${below ? 'at most' : 'at least'} ${limit} items`;
    default:
      return issue.message;
  }
}

/** The rule a value broke, in an operator's words. */
export function expectation(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'too_small':
    case 'too_big':
      return bound(issue);
    case 'invalid_value':
      return `expected one of ${issue.values.map((value) => String(value)).join(', ')}`;
    case 'invalid_format':
      if (issue.format === 'url') return 'expected an http:// or https:// URL';
      // A pattern's own message says what it wants ("expected a topic name: …"); zod's default
      // for a pattern without one names no more than "regex".
      return issue.format === 'regex' && !/^Invalid string/.test(issue.message)
        ? issue.message
        : `expected ${issue.format}`;
    default:
      return issue.message;
  }
}

/** One problem per broken rule; an unknown-keys issue becomes one problem per key. */
export function problemsFromIssue(issue: Issue, { input, origins }: Merged): ConfigProblem[] {
  const path = issue.path as (string | number)[];
  if (issue.code === 'unrecognized_keys') {
    const known = childKeys(path);
    return issue.keys.map((key) => {
      const at = [...path, key];
      return problem(at, valueAt(input, at), originOf(origins, at), unknownKeyMessage(key, known));
    });
  }
  const origin = originOf(origins, path);
  // A rule across keys can fail on a key nobody set; show the default it has.
  const value = origin === 'default' ? valueAt(defaultConfig(), path) : valueAt(input, path);
  return [problem(path, value, origin, expectation(issue))];
}
