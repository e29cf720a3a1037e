import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README.md', () => {
  it('explains the EBADENGINE warnings of the first install right after the install command', () => {
    const lines = readme.split('\n');
    const command = lines.indexOf('npm install && npm start');
    expect(command).toBeGreaterThan(0);
    // The paragraph about the warnings follows the command's own paragraph, before anything else.
    const next = lines.slice(command).findIndex((line) => line.startsWith('```sh'));
    const nearby = lines.slice(command, next === -1 ? undefined : command + next).join('\n');
    expect(nearby).toMatch(/npm warn EBADENGINE/);
    expect(nearby).toMatch(/expected/);
    expect(nearby).toContain('npx --yes --package=node@24 -- npm install');
    // and says that the install itself adds what npm on an older Node skipped
    expect(nearby).toMatch(/once more, on the project's Node 24/);
  });

  it('keeps the engines requirement the warnings are about', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      engines?: { node?: string };
    };
    expect(pkg.engines?.node).toBe('>=24');
  });
});
