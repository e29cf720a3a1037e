import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import YAML from 'yaml';
import { coerceString } from './coerce.ts';
import { type ConfigProblem, problem, sourceProblem } from './errors.ts';
import { isPlainObject, type Layer, nestAt } from './merge.ts';
import { allKeys, dottedKey, kindOf, schemaAt } from './paths.ts';
import { unknownKeyMessage } from './suggest.ts';

export type SourceResult = { layer: Layer; problems: [] } | { layer: null; problems: ConfigProblem[] };

function firstLine(error: unknown): string {
  return String((error as Error).message ?? error).split('\n')[0]!;
}

function asLayer(parsed: unknown, origin: string, expected: string): SourceResult {
  // An empty YAML file parses to null: nothing set, which is not an error.
  if (parsed === null || parsed === undefined) return { layer: { origin, data: {} }, problems: [] };
  if (!isPlainObject(parsed)) {
    return { layer: null, problems: [sourceProblem(origin, expected)] };
  }
  return { layer: { origin, data: parsed }, problems: [] };
}

function looksLikeJson(path: string, text: string): boolean {
  const extension = extname(path).toLowerCase();
  if (extension === '.json') return true;
  if (extension === '.yaml' || extension === '.yml') return false;
  return text.trimStart().startsWith('{');
}

/**
 * Reads a YAML or JSON config file: `.json` is JSON, `.yaml`/`.yml` is YAML, anything else is
 * JSON when it starts with `{` and YAML otherwise. `origin` names the file in errors.
 */
export function readConfigFile(absolutePath: string, origin: string): SourceResult {
  let text: string;
  try {
    text = readFileSync(absolutePath, 'utf8');
  } catch (error) {
    return { layer: null, problems: [sourceProblem(origin, `cannot read the file: ${firstLine(error)}`)] };
  }
  const json = looksLikeJson(absolutePath, text);
  let parsed: unknown;
  try {
    // YAML 1.2 (the library's default) keeps `no`, `on` and `0755` as the strings people
    // usually mean, and rejects duplicate keys instead of keeping the last one.
    parsed = json ? JSON.parse(text) : YAML.parse(text);
  } catch (error) {
    return {
      layer: null,
      problems: [sourceProblem(origin, `cannot parse ${json ? 'JSON' : 'YAML'}: ${firstLine(error)}`)],
    };
  }
  return asLayer(parsed, origin, 'expected a mapping of settings at the top level');
}

/** Parses `VIGIL_CONFIG_JSON`, a whole or partial configuration as one JSON object. */
export function readConfigJson(text: string, origin: string): SourceResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { layer: null, problems: [sourceProblem(origin, `cannot parse JSON: ${firstLine(error)}`)] };
  }
  if (parsed === null) return { layer: null, problems: [sourceProblem(origin, 'expected a JSON object')] };
  return asLayer(parsed, origin, 'expected a JSON object');
}

/**
 * Command-line flags keyed by dotted path (`'sla.collection_interval_s'`). Values may be typed
 * already or be strings, which are converted like environment variables.
 */
export function readFlags(flags: Readonly<Record<string, unknown>>): {
  layers: Layer[];
  problems: ConfigProblem[];
} {
  const problems: ConfigProblem[] = [];
  const settings: Array<{ path: string[]; layer: Layer }> = [];
  const knownKeys = allKeys().map((key) => dottedKey(key.path));
  for (const [name, raw] of Object.entries(flags)) {
    if (raw === undefined) continue;
    const origin = `flag ${name}`;
    const path = name.split('.');
    const schema = schemaAt(path);
    if (!schema) {
      problems.push(problem(path, raw, origin, unknownKeyMessage(name, knownKeys)));
      continue;
    }
    let value: unknown = raw;
    if (typeof raw === 'string') {
      const coerced = coerceString(raw, kindOf(schema));
      if (!coerced.ok) {
        problems.push(problem(path, raw, origin, coerced.expected));
        continue;
      }
      value = coerced.value;
    }
    settings.push({ path, layer: { origin, data: nestAt(path, value) } });
  }
  // A section given whole goes first so that a flag for one key inside it still wins.
  settings.sort((a, b) => a.path.length - b.path.length);
  return { layers: settings.map((setting) => setting.layer), problems };
}
