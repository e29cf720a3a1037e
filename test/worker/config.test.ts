import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { loadWorkerConfig } from '../../src/worker/config.ts';
import { tempDirs } from '../helpers/temp-dirs.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function errorOf(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe('worker configuration', () => {
  const dirs = tempDirs();
  afterEach(() => dirs.cleanup());

  function file(content: unknown): string {
    const path = join(dirs.make('vigil-worker-config-'), 'worker.json');
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  }

  it('takes VIGIL_WORKER_CONFIG_JSON first, whole, and the file otherwise', () => {
    const path = file({ pool: 'from-file', max_retries: 7 });
    const env = { VIGIL_WORKER_CONFIG_FILE: path };
    const fromFile = loadWorkerConfig(env);
    expect(fromFile.config).toMatchObject({ pool: 'from-file', max_retries: 7 });
    expect(fromFile.source).toBe(`file ${path}`);
    expect(fromFile.baseDir).toBe(dirname(path));

    const fromJson = loadWorkerConfig(
      { ...env, VIGIL_WORKER_CONFIG_JSON: '{"pool":"from-env"}' },
      { cwd: '/srv' },
    );
    // Nothing merged: max_retries is the default, not the file's.
    expect(fromJson.config).toMatchObject({ pool: 'from-env', max_retries: 2 });
    expect(fromJson.source).toBe('env VIGIL_WORKER_CONFIG_JSON');
    expect(fromJson.baseDir).toBe('/srv');

    expect(loadWorkerConfig({}, { file: path }).config.pool).toBe('from-file');
  });

  it('fills every key with its default', () => {
    const { config } = loadWorkerConfig({ VIGIL_WORKER_CONFIG_JSON: '{}' });
    expect(config).toEqual({
      coordinator_url: 'http://127.0.0.1:8080',
      node_id: null,
      key_path: './data/node.key',
      data_dir: './data/worker',
      pool: 'default',
      worker_name: 'main',
      max_retries: 2,
      retry_delay_ms: 1000,
      backoff: 'exponential',
      request_timeout_ms: 10_000,
      heartbeat_interval_ms: 5000,
      claim_wait_ms: 10_000,
      drain_timeout_ms: 20_000,
      outbox_max_backoff_ms: 60_000,
      metrics_port: null,
      metrics_host: '127.0.0.1',
      trust_coordinator_adapters: false,
      topics: [],
      verify: [],
    });
  });

  it('says in one line per problem which key is wrong and where it came from', () => {
    const path = file({ topics: [{ topic: 'hash', concurrency: 0 }], backoff: 'linear', claim_wait_ms: 'x' });
    const message = errorOf(() => loadWorkerConfig({ VIGIL_WORKER_CONFIG_FILE: path }));
    const lines = message.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines).toContain(
      `invalid configuration: topics.0.concurrency = 0 (from file ${path}): expected a number > 0`,
    );
    expect(lines).toContain(
      `invalid configuration: backoff = "linear" (from file ${path}): expected one of uniform, exponential`,
    );
    expect(lines.some((l) => l.startsWith('invalid configuration: claim_wait_ms = "x"'))).toBe(true);
  });

  it('names unknown keys, twice-listed topics, bad JSON, unreadable files and a missing source', () => {
    const json = (text: string) => errorOf(() => loadWorkerConfig({ VIGIL_WORKER_CONFIG_JSON: text }));
    expect(json('{"claim_wait": 5}')).toBe(
      'invalid configuration: claim_wait = 5 (from env VIGIL_WORKER_CONFIG_JSON): unknown key (did you mean claim_wait_ms?)',
    );
    expect(json('{"topics":[{"topic":"a","concurency":2}]}')).toMatch(
      /^invalid configuration: topics\.0\.concurency = 2 .*: unknown key \(did you mean concurrency\?\)$/,
    );
    expect(json('{"topics":[{"topic":"a"},{"topic":"a"}]}')).toMatch(
      /topics\.1\.topic .*topic a is listed twice/,
    );
    expect(json('{"pool": ')).toMatch(/^invalid configuration: env VIGIL_WORKER_CONFIG_JSON: not valid JSON/);
    expect(errorOf(() => loadWorkerConfig({ VIGIL_WORKER_CONFIG_FILE: '/nonexistent/worker.json' }))).toBe(
      'invalid configuration: file /nonexistent/worker.json: cannot be read (ENOENT)',
    );
    expect(errorOf(() => loadWorkerConfig({}))).toMatch(
      /none given; set VIGIL_WORKER_CONFIG_JSON or VIGIL_WORKER_CONFIG_FILE/,
    );
    expect(errorOf(() => loadWorkerConfig({ VIGIL_WORKER_CONFIG_JSON: '{}' }, { file: 'w.json' }))).toMatch(
      /both name a worker configuration; use one/,
    );
  });

  it('never prints adapter headers or environment values, which may hold credentials', () => {
    const message = errorOf(() =>
      loadWorkerConfig({
        VIGIL_WORKER_CONFIG_JSON: JSON.stringify({
          topics: [
            { topic: 'a', adapter: { kind: 'http', url: 'http://x', headers: { authorization: 42 } } },
          ],
        }),
      }),
    );
    expect(message).toContain('topics.0.adapter.headers.authorization');
    expect(message).not.toContain('42');
  });

  it('loads config.example.json, whose adapters exist', () => {
    const { config, baseDir } = loadWorkerConfig({}, { file: join(ROOT, 'config.example.json') });
    expect(config.topics.map((t) => t.topic)).toEqual(['sha256']);
    for (const entry of [...config.topics, ...config.verify]) {
      expect(entry.adapter?.kind).toBe('command');
      const args = entry.adapter?.kind === 'command' ? entry.adapter.args : [];
      expect(existsSync(join(baseDir, args[0]!))).toBe(true);
    }
  });
});
