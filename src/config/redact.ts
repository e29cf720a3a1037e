import type { TopicDefinition } from '../core/work/topic.ts';
import type { VigilConfig } from './schema.ts';

export const REDACTED = '[redacted]';

/** Replaces the password in a URL's user info, and a `password=` query parameter, with `***`. */
export function maskUrlPassword(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is.exec(url);
  if (!match) return url;
  const [, scheme, authority, rest] = match as unknown as [string, string, string, string];
  // The host follows the last '@': a password may itself contain an unencoded '@'.
  const at = authority.lastIndexOf('@');
  const colon = authority.slice(0, Math.max(at, 0)).indexOf(':');
  const maskedAuthority = colon >= 0 ? `${authority.slice(0, colon)}:***${authority.slice(at)}` : authority;
  return scheme + maskedAuthority + rest.replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/**
 * Keeps scheme, host and port and replaces any path or query with `/…`: in Slack, Discord and
 * most webhook URLs the path is the credential. User info is dropped for the same reason.
 */
export function shortenUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return REDACTED;
  }
  const hasMore =
    (parsed.pathname !== '' && parsed.pathname !== '/') || parsed.search !== '' || parsed.hash !== '';
  return `${parsed.protocol}//${parsed.host}${hasMore ? '/…' : ''}`;
}

type Rule = (value: unknown) => unknown;

const secret: Rule = (value) => (value === null || value === undefined ? value : REDACTED);
/** A map of names to secrets (headers, environment variables): the names stay, the values go. */
const secretValues: Rule = (value) =>
  typeof value === 'object' && value !== null
    ? Object.fromEntries(Object.keys(value).map((k) => [k, REDACTED]))
    : secret(value);
const maskPassword: Rule = (value) => (typeof value === 'string' ? maskUrlPassword(value) : value);
const shorten: Rule = (value) => (typeof value === 'string' ? shortenUrl(value) : value);

/**
 * Where a topic keeps secrets: its adapters' headers (an upstream's API key) and a command's
 * environment (a token for the program). The one list for every place a topic is shown:
 * `config print`, `GET /topics`, logs, and a node's sync answer for topics it does not run.
 */
export const TOPIC_SECRETS = {
  adapter: ['adapter.headers', 'adapter.env'],
  verification: ['verification.adapter.headers', 'verification.adapter.env'],
} as const;

// Paths with array positions written as '*'.
const RULES = new Map<string, Rule>([
  ['database_url', maskPassword],
  ['billing.url', maskPassword],
  ['queue.redis_url', maskPassword],
  ...[...TOPIC_SECRETS.adapter, ...TOPIC_SECRETS.verification].map((path): [string, Rule] => [
    `topics.*.${path}`,
    secretValues,
  ]),
  ['billing.api_key', secret],
  ['alerts.alertmanager_url', shorten],
  ['alerts.webhooks.*.url', shorten],
  ['alerts.smtp.password', secret],
  // The autoscaler's: a source's credentials, and what a replica is started with.
  ['autoscaler.targets.*.sources.*.url', maskPassword],
  ['autoscaler.targets.*.sources.*.bearer_token', secret],
  ['autoscaler.targets.*.sources.*.basic_auth.password', secret],
  ['autoscaler.targets.*.block_ticks.ws_url', shorten],
  ['autoscaler.targets.*.block_ticks.http_url', shorten],
  ['autoscaler.targets.*.deployer.env', secretValues],
  ['autoscaler.worker_api_key', secret],
]);

function ruleFor(path: readonly (string | number)[]): Rule | undefined {
  const segments = path.map((segment) =>
    typeof segment === 'number' || /^\d+$/.test(segment) ? '*' : segment,
  );
  // Header values carry tokens; a header name may contain dots, so it is matched by position.
  if (segments.length === 5 && segments.slice(0, 4).join('.') === 'alerts.webhooks.*.headers') return secret;
  return RULES.get(segments.join('.'));
}

/** The value at `path` made safe to print; sections and lists are copied with their secrets redacted. */
export function redactAt(path: readonly (string | number)[], value: unknown): unknown {
  const rule = ruleFor(path);
  if (rule) return rule(value);
  if (Array.isArray(value)) return value.map((item, i) => redactAt([...path, i], item));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, redactAt([...path, key], item)]),
    );
  }
  return value;
}

/** A copy of the configuration that is safe to log or print: secrets and credential-bearing URL parts hidden. */
export function redactConfig(config: VigilConfig): unknown {
  return redactAt([], config);
}

/**
 * A topic's definition with its secrets redacted: all of them, or only the adapter's or the
 * verification adapter's (`keep` says which the viewer may see: a node sees the secrets of the
 * topics it runs or verifies, and nobody else sees any).
 */
export function redactTopic(
  topic: TopicDefinition,
  keep: { adapter?: boolean; verification?: boolean } = {},
): TopicDefinition {
  const paths = [
    ...(keep.adapter ? [] : TOPIC_SECRETS.adapter),
    ...(keep.verification ? [] : TOPIC_SECRETS.verification),
  ];
  let out: unknown = topic;
  for (const path of paths) out = replaceAt(out, path.split('.'), secretValues);
  return out as TopicDefinition;
}

/** `value` with the member at `path` (when present and not null) replaced by `rule` of it. */
function replaceAt(value: unknown, path: readonly string[], rule: Rule): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const [head, ...rest] = path as [string, ...string[]];
  const record = value as Record<string, unknown>;
  if (!(head in record) || record[head] === null || record[head] === undefined) return value;
  return { ...record, [head]: rest.length === 0 ? rule(record[head]) : replaceAt(record[head], rest, rule) };
}
