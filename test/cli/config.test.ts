import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { lines, runVigil, tempDir } from './support.ts';

interface Printed {
  port: number;
  host: string;
  database_url: string;
  log_level: string;
  log_format: string;
  auth: { key_cache_ttl_s: number };
  sla: { thresholds: Record<string, number>; collection_interval_s: number };
  capacity: { forecast_horizon_h: number; alert_threshold_pct: number };
  billing: { url: string; api_key: string | null; sync_interval_s: number };
}

async function printJson(args: string[] = [], env: Record<string, string> = {}): Promise<Printed> {
  const result = await runVigil([...args, 'config', 'print', '--format', 'json'], { env });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Printed;
}

/** Runs `config print` expecting a configuration error: exit 2 and one `vigil: invalid configuration: …` line each. */
async function configError(env: Record<string, string>, args: string[] = []): Promise<string[]> {
  const result = await runVigil([...args, 'config', 'print'], { env });
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr).not.toMatch(/^\s+at /m);
  return lines(result.stderr);
}

describe('vigil config print', () => {
  const dir = tempDir();
  afterAll(() => dir.cleanup());

  it('prints the defaults as YAML, including every setting of the seed guide', async () => {
    const result = await runVigil(['config', 'print']);
    expect(result.code, result.stderr).toBe(0);
    const printed = YAML.parse(result.stdout) as Printed;
    expect(printed).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      database_url: './data/vigil.db',
      log_level: 'info',
      log_format: 'json',
      auth: { key_cache_ttl_s: 30 },
      sla: {
        collection_interval_s: 300,
        thresholds: {
          uptime_pct: 95,
          response_time_ms: 1000,
          completion_rate_pct: 90,
          capacity_availability_pct: 80,
        },
      },
      capacity: { forecast_horizon_h: 168, alert_threshold_pct: 80 },
      billing: { sync_interval_s: 3600, api_key: null },
    });
  });

  it('applies file < VIGIL_CONFIG_JSON < seed-guide names < VIGIL_* < flags, visible in the output', async () => {
    const file = join(dir.dir, 'vigil.yaml');
    writeFileSync(
      file,
      ['port: 1001', 'host: 10.0.0.1', 'log_level: debug', 'sla:', '  collection_interval_s: 11', ''].join(
        '\n',
      ),
    );
    const json = {
      VIGIL_CONFIG_JSON: JSON.stringify({ port: 1002, log_level: 'warn', sla: { slice_s: 22 } }),
    };
    const aliases = {
      ...json,
      LOG_LEVEL: 'error',
      SLA_UPTIME_THRESHOLD: '97.5',
      BILLING_SYNC_INTERVAL_HOURS: '2',
    };
    const vigil = { ...aliases, VIGIL_PORT: '1003', VIGIL_LOG_LEVEL: 'trace' };

    const [fileOnly, withJson, withAliases, withEnv, withFlag] = await Promise.all([
      printJson([], { VIGIL_CONFIG_FILE: file }),
      printJson(['--config', file], json),
      printJson(['--config', file], aliases),
      printJson(['--config', file], vigil),
      printJson(['--config', file, '--log-level', 'fatal'], vigil),
    ]);
    expect(fileOnly).toMatchObject({ port: 1001, host: '10.0.0.1', log_level: 'debug' });
    expect(fileOnly.sla.collection_interval_s).toBe(11);

    expect(withJson).toMatchObject({ port: 1002, host: '10.0.0.1', log_level: 'warn' });
    // Sections merge deeply: the file's key in `sla` survives the JSON's other key there.
    expect(withJson.sla).toMatchObject({ collection_interval_s: 11, slice_s: 22 });

    // The pool hub's names, in their units (hours become seconds).
    expect(withAliases).toMatchObject({ port: 1002, log_level: 'error' });
    expect(withAliases.sla.thresholds.uptime_pct).toBe(97.5);
    expect(withAliases.billing.sync_interval_s).toBe(7200);

    expect(withEnv).toMatchObject({ port: 1003, host: '10.0.0.1', log_level: 'trace' });
    expect(withFlag).toMatchObject({ port: 1003, host: '10.0.0.1', log_level: 'fatal' });
  });

  it('never prints secrets: the billing API key and database passwords are redacted', async () => {
    const result = await runVigil(['config', 'print'], {
      env: {
        COORDINATOR_API_KEY: 'secret',
        VIGIL_DATABASE_URL: 'postgres://vigil:hunter2@db.internal:5432/vigil',
      },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).not.toContain('secret');
    expect(result.stdout + result.stderr).not.toContain('hunter2');
    const printed = YAML.parse(result.stdout) as Printed;
    expect(printed.billing.api_key).toBe('[redacted]');
    expect(printed.database_url).toBe('postgres://vigil:***@db.internal:5432/vigil');
  });

  it('lists every key with its environment variable and default with --keys', async () => {
    const result = await runVigil(['config', 'print', '--keys']);
    expect(result.code, result.stderr).toBe(0);
    const rows = lines(result.stdout).map((line) => line.split('\t'));
    expect(rows).toContainEqual(['port', 'VIGIL_PORT', '8080']);
    expect(rows).toContainEqual(['auth.key_cache_ttl_s', 'VIGIL_AUTH__KEY_CACHE_TTL_S', '30']);
    expect(rows).toContainEqual(['sla.collection_interval_s', 'VIGIL_SLA__COLLECTION_INTERVAL_S', '300']);
  });

  it('lists every key with its value and where it came from with --sources, secrets redacted', async () => {
    const file = join(dir.dir, 'sources.yaml');
    writeFileSync(file, 'host: 10.0.0.9\n');
    const result = await runVigil(['--config', file, '--log-level', 'warn', 'config', 'print', '--sources'], {
      env: { VIGIL_PORT: '9100', COORDINATOR_API_KEY: 'secret' },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain('secret');
    const rows = lines(result.stdout).map((line) => line.split('\t'));
    expect(rows).toContainEqual(['port', '9100', 'env VIGIL_PORT']);
    expect(rows).toContainEqual(['host', '"10.0.0.9"', `file ${file}`]);
    expect(rows).toContainEqual(['log_level', '"warn"', 'flag log_level']);
    expect(rows).toContainEqual(['billing.api_key', '"[redacted]"', 'env COORDINATOR_API_KEY']);
    expect(rows).toContainEqual(['sla.slice_s', '300', 'default']);
  });

  it('fails with exit 2 naming the key, the value and what was expected for an invalid value', async () => {
    const [port, threshold] = await Promise.all([
      configError({ VIGIL_PORT: 'abc' }),
      configError({ VIGIL_SLA__THRESHOLDS__UPTIME_PCT: '150' }),
    ]);
    expect(port).toHaveLength(1);
    expect(port[0]).toMatch(/^vigil: invalid configuration: /);
    expect(port[0]).toContain('port');
    expect(port[0]).toContain('"abc"');
    expect(port[0]).toContain('VIGIL_PORT');
    expect(port[0]).toMatch(/expected a number/);

    expect(threshold).toHaveLength(1);
    expect(threshold[0]).toMatch(/^vigil: invalid configuration: sla\.thresholds\.uptime_pct\b/);
    expect(threshold[0]).toContain('150');
    expect(threshold[0]).toMatch(/expected|100/);
  });

  it('warns once on stderr about an unknown VIGIL_ variable, with a suggestion, and carries on', async () => {
    const result = await runVigil(['config', 'print', '--format', 'json'], {
      env: { VIGIL_PROT: '9001', VIGIL_URL: 'http://127.0.0.1:8080' },
    });
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as Printed).port).toBe(8080);
    expect(lines(result.stderr)).toEqual([
      'vigil: warning: env VIGIL_PROT names no configuration key and is ignored (did you mean VIGIL_PORT?)',
      'vigil: warning: env VIGIL_URL names no configuration key and is ignored (`vigil config print --keys` lists every key and its variable)',
    ]);
  });

  it('prefixes every line with "vigil:" when there are several problems', async () => {
    const errors = await configError({ VIGIL_PORT: 'abc', VIGIL_SLA__SLICE_S: 'often' });
    expect(errors).toHaveLength(2);
    for (const line of errors) expect(line).toMatch(/^vigil: invalid configuration: /);
  });

  it('fails with exit 2 for an invalid flag, an unreadable file and a bad VIGIL_CONFIG_JSON', async () => {
    const [flag, file, json] = await Promise.all([
      runVigil(['--log-level', 'loud', 'config', 'print']),
      configError({}, ['--config', join(dir.dir, 'missing.yaml')]),
      configError({ VIGIL_CONFIG_JSON: '{"port": 80,' }),
    ]);
    // Choices are checked by the command-line parser before configuration is loaded.
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/'loud'/);
    expect(file).toHaveLength(1);
    expect(file[0]).toMatch(/^vigil: invalid configuration: .*missing\.yaml.*cannot read/);
    expect(json).toHaveLength(1);
    expect(json[0]).toMatch(/^vigil: invalid configuration: .*VIGIL_CONFIG_JSON.*JSON/);
  });

  it('refuses an unknown --format as a usage error, exit 2', async () => {
    const result = await runVigil(['config', 'print', '--format', 'xml']);
    expect(result.code).toBe(2);
    expect(lines(result.stderr)).toEqual([expect.stringMatching(/'xml'.*yaml, json/)]);
  });

  it('stops a server command at start-up on invalid configuration, before listening', async () => {
    const result = await runVigil(['coordinator', '--port', 'abc', '--database-url', join(dir.dir, 'x.db')]);
    expect(result.code).toBe(2);
    expect(lines(result.stderr)).toEqual([
      expect.stringMatching(/^vigil: invalid configuration: port = "abc"/),
    ]);
  });
});
