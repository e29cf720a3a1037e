import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkImports, importsOf, readSources } from './import-rules.ts';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

describe('import rules (docs/architecture.md)', () => {
  it('hold for every file in src/', () => {
    const violations = checkImports(readSources(SRC));
    const lines = violations.map((v) => `src/${v.file} imports ${v.imports}: ${v.rule}`);
    expect(lines, `imports that break the rules:\n${lines.join('\n')}`).toEqual([]);
  });

  it('finds static, re-exported, side-effect and dynamic imports, not ones in comments', () => {
    const text = [
      "import { a } from './a.ts';",
      'import type {',
      '  B,',
      "} from '../b.ts';",
      "export { c } from './c.ts';",
      "import './d.ts';",
      "const e = await import('../e.ts');",
      "// import { f } from './f.ts';",
      "/* import { g } from './g.ts'; */",
    ].join('\n');
    expect(importsOf(text)).toEqual(['./a.ts', '../b.ts', './c.ts', './d.ts', '../e.ts']);
  });

  it('refuses each kind of wrong arrow', () => {
    const files = new Map([
      ['core/a.ts', "import { x } from '../config/schema.ts';"],
      ['platform/b.ts', "import { x } from '../core/time.ts';"],
      ['agent/c.ts', "import { x } from '../worker/host.ts';"],
      ['worker/d.ts', "import { x } from '../coordinator/errors.ts';"],
      ['queue/e.ts', "import { x } from '../coordinator/scheduler.ts';"],
      [
        'coordinator/jobs/service.ts',
        "import { x } from '../http/problem.ts';\nimport type { F } from 'fastify';",
      ],
      ['coordinator/jobs/f.ts', "import type { Kysely } from 'kysely';"],
      ['worker/g.ts', 'const rows = await db.selectFrom(table).execute();'],
      [
        'coordinator/jobs/routes.ts',
        "import { x } from '../http/problem.ts';\nimport type { F } from 'fastify';",
      ],
      ['store/h.ts', "import { sql } from 'kysely';\nconst q = sql`select 1`;"],
      ['cli/i.ts', "import { x } from '../coordinator/server.ts';"],
      ['dashboard/j.tsx', "import { x } from '../coordinator/nodes/views.ts';"],
      ['dashboard/k.ts', "import { x } from '../core/settlement/verify-epoch.ts';"],
    ]);
    const found = checkImports(files).map((v) => `${v.file} ${v.imports}`);
    expect(found).toEqual([
      'core/a.ts ../config/schema.ts',
      'platform/b.ts ../core/time.ts',
      'agent/c.ts ../worker/host.ts',
      'worker/d.ts ../coordinator/errors.ts',
      'queue/e.ts ../coordinator/scheduler.ts',
      'coordinator/jobs/service.ts ../http/problem.ts',
      'coordinator/jobs/service.ts fastify',
      'coordinator/jobs/f.ts kysely',
      'worker/g.ts (query builder)',
      'dashboard/j.tsx ../coordinator/nodes/views.ts',
    ]);
  });
});
