import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { VigilConfig } from '../../../src/config/schema.ts';
import { createTestApi } from '../../helpers/api.ts';
import { backends } from '../../helpers/backends.ts';
import { tempDirs } from '../../helpers/temp-dirs.ts';

// Operators lint /openapi.json with their own tools before they generate clients or load it
// into a gateway; Redocly's recommended rules are the common bar. Any error or warning fails:
// a warning today (no operationId, no 4xx) is a broken client tomorrow.

const cli = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js');
const dirs = tempDirs();
afterAll(() => dirs.cleanup());

interface LintProblem {
  ruleId: string;
  severity: string;
  message: string;
  location?: Array<{ pointer?: string }>;
}

/** The served document, as an operator's tools fetch it. */
async function served(adjust: (c: VigilConfig) => void): Promise<string> {
  // The document does not depend on the store; SQLite always runs.
  const api = await createTestApi(backends[0]!, adjust);
  try {
    const res = await api.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    return res.body;
  } finally {
    await api.close();
  }
}

async function lint(document: string): Promise<LintProblem[]> {
  const file = join(dirs.make('vigil-openapi-'), 'openapi.json');
  writeFileSync(file, document);
  // The CLI exits non-zero on errors; its JSON report is on stdout either way.
  const { stdout } = await promisify(execFile)(process.execPath, [cli, 'lint', file, '--format=json'], {
    timeout: 60_000,
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  return (JSON.parse(stdout) as { problems: LintProblem[] }).problems;
}

const shown = (problems: LintProblem[]) =>
  problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer ?? '?'}`);

describe('/openapi.json under @redocly/cli lint', () => {
  // Both ways reads can be set: the `security` of a read differs.
  for (const readsNeedKey of [true, false]) {
    it(`has no errors and no warnings (reads ${readsNeedKey ? 'need a key' : 'open'})`, async () => {
      const document = await served((c) => {
        c.auth.require_key_for_reads = readsNeedKey;
      });
      expect(shown(await lint(document))).toEqual([]);
    });
  }
});
