import { redactAt } from './redact.ts';

/** One thing wrong with the configuration, with enough context to fix it without reading code. */
export interface ConfigProblem {
  /** Dotted key, e.g. `sla.thresholds.uptime_pct`; null when a whole source is at fault (an unreadable file). */
  key: string | null;
  /** The offending value, already redacted; absent when there is none to show. */
  value?: unknown;
  /** Where the value came from, e.g. `env VIGIL_PORT`, `file ./vigil.yaml`, `flag port`, `default`. */
  origin: string;
  /** What would have been accepted, e.g. `expected a number`. */
  expected: string;
}

/** Something in a source that is ignored rather than refused, worth telling the user once. */
export interface ConfigWarning {
  /** Where it is, e.g. `env VIGIL_URL`. */
  origin: string;
  /** What is wrong with it and what was probably meant. */
  message: string;
}

/** `env VIGIL_PROT names no configuration key and is ignored (did you mean VIGIL_PORT?)`. */
export function formatWarning(w: ConfigWarning): string {
  return `${w.origin} ${w.message}`;
}

const MAX_VALUE_CHARS = 80;

/** Builds a problem, redacting the value by its path so that errors never print a secret. */
export function problem(
  path: readonly (string | number)[],
  value: unknown,
  origin: string,
  expected: string,
): ConfigProblem {
  return { key: path.join('.'), value: redactAt(path, value), origin, expected };
}

/** A problem with a whole source, such as a config file that cannot be read or parsed. */
export function sourceProblem(origin: string, expected: string): ConfigProblem {
  return { key: null, origin, expected };
}

function show(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}

/** `sla.thresholds.uptime_pct = "abc" (from env VIGIL_SLA__THRESHOLDS__UPTIME_PCT): expected a number`. */
export function formatProblem(p: ConfigProblem): string {
  // Parser messages can span lines (YAML adds a code frame); one problem stays one line.
  const expected = p.expected.replace(/\s*\n\s*/g, ' ');
  if (p.key === null) return `${p.origin}: ${expected}`;
  const value = 'value' in p ? ` = ${show(p.value)}` : '';
  return `${p.key}${value} (from ${p.origin}): ${expected}`;
}

/** The configuration could not be loaded; the message has one line per problem. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(problems.map((p) => `invalid configuration: ${formatProblem(p)}`).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
