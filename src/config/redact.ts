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
const maskPassword: Rule = (value) => (typeof value === 'string' ? maskUrlPassword(value) : value);
const shorten: Rule = (value) => (typeof value === 'string' ? shortenUrl(value) : value);

// Paths with array positions written as '*'.
const RULES = new Map<string, Rule>([
  ['database_url', maskPassword],
  ['billing.url', maskPassword],
  ['queue.redis_url', maskPassword],
  // Adapter headers and HTTP adapter URLs may carry tokens, as webhook ones do.
  ['topics.*.adapter.headers', secret],
  ['topics.*.verification.adapter.headers', secret],
  ['billing.api_key', secret],
  ['alerts.alertmanager_url', shorten],
  ['alerts.webhooks.*.url', shorten],
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
