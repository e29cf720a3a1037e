import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

// The rooms of src/ and what each may import (docs/architecture.md). Arrows point down:
// platform and core import nothing of Vigil's above them, store builds all SQL, roles never
// import each other's files.

export type Room =
  | 'platform'
  | 'core'
  | 'config'
  | 'store'
  | 'queue'
  | 'coordinator'
  | 'node-client'
  | 'agent'
  | 'worker'
  | 'simulator'
  | 'autoscaler'
  | 'dashboard'
  | 'cli';

/** The rooms each room may import besides itself. */
export const MAY_IMPORT: Record<Room, readonly Room[]> = {
  platform: [],
  core: [],
  config: ['core', 'platform'],
  store: ['core', 'platform'],
  queue: ['core', 'platform', 'config', 'store'],
  coordinator: ['core', 'platform', 'config', 'store', 'queue'],
  'node-client': ['core', 'platform', 'config', 'store'],
  agent: ['core', 'platform', 'config', 'store', 'node-client'],
  worker: ['core', 'platform', 'config', 'store', 'node-client'],
  simulator: ['core', 'platform', 'config', 'store', 'node-client', 'agent', 'worker'],
  // Its own role: reads the store (desired counts, the leader lease, topics' queues) and
  // drives deployers; the coordinator's API over its records lives in coordinator/.
  autoscaler: ['core', 'platform', 'config', 'store', 'queue'],
  // The browser app: it reaches the coordinator only through the public API, and runs core
  // (the epoch verification) unchanged.
  dashboard: ['core'],
  cli: [
    'core',
    'platform',
    'config',
    'store',
    'queue',
    'coordinator',
    'node-client',
    'agent',
    'worker',
    'simulator',
    'autoscaler',
  ],
};

/** The files of the coordinator that face HTTP; every other coordinator file is domain code. */
const HTTP_FACING = [
  /^coordinator\/(http|auth)\//,
  /^coordinator\/(app|assemble|server)\.ts$/,
  /(^|\/)(routes|views|schemas)\.ts$/,
  /-routes\.ts$/,
];
const HTTP_PACKAGES = /^(fastify|typebox|@fastify\/)/;
const QUERY_BUILDER = /\.(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\(|\bsql`/;

export interface Violation {
  file: string;
  imports: string;
  rule: string;
}

/** Every `src/**.ts(x)` file, by its path relative to `src/` (with `/` separators), and its text. */
export function readSources(srcDir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts') || name.endsWith('.tsx'))
        files.set(relative(srcDir, path).split(sep).join('/'), readFileSync(path, 'utf8'));
    }
  };
  walk(srcDir);
  return files;
}

/** The module specifiers a file imports: static, re-exported and dynamic. Comments are skipped. */
export function importsOf(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found: string[] = [];
  for (const m of code.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+['"]([^'"]+)['"]/gm))
    found.push(m[1] as string);
  for (const m of code.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) found.push(m[1] as string);
  for (const m of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1] as string);
  return found;
}

const roomOf = (file: string): Room => file.split('/')[0] as Room;

/** Every import in `files` that breaks a rule, with the rule it breaks. */
export function checkImports(files: ReadonlyMap<string, string>): Violation[] {
  const violations: Violation[] = [];
  for (const [file, text] of files) {
    const room = roomOf(file);
    const httpFacing = HTTP_FACING.some((pattern) => pattern.test(file));
    for (const spec of importsOf(text)) {
      if (spec === 'kysely' || spec.startsWith('kysely/')) {
        if (room !== 'store')
          violations.push({ file, imports: spec, rule: 'only store/ uses the query builder' });
        continue;
      }
      if (room === 'coordinator' && !httpFacing && HTTP_PACKAGES.test(spec)) {
        violations.push({ file, imports: spec, rule: 'a domain service does not import the HTTP layer' });
        continue;
      }
      if (!spec.startsWith('.')) continue;
      const target = normalize(join(dirname(file), spec))
        .split(sep)
        .join('/');
      if (target.startsWith('..')) {
        violations.push({ file, imports: spec, rule: 'src/ imports nothing outside src/' });
        continue;
      }
      const targetRoom = roomOf(target);
      if (targetRoom !== room && !MAY_IMPORT[room]?.includes(targetRoom)) {
        violations.push({
          file,
          imports: spec,
          rule: `${room} may import only ${MAY_IMPORT[room]?.join(', ') || 'itself'}`,
        });
      } else if (room === 'coordinator' && !httpFacing && /^coordinator\/http\//.test(target)) {
        violations.push({ file, imports: spec, rule: 'a domain service does not import the HTTP layer' });
      }
    }
    if (room !== 'store' && QUERY_BUILDER.test(text.replace(/\/\*[\s\S]*?\*\//g, ''))) {
      violations.push({ file, imports: '(query builder)', rule: 'only store/ builds SQL' });
    }
  }
  return violations;
}
