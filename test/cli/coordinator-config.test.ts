import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, createKey, killAll, startCoordinator, tempDir } from './support.ts';

interface Setting {
  key: string;
  value: unknown;
  source: string;
  origin: string;
}

describe('vigil coordinator: GET /config', () => {
  const dirs: Array<() => void> = [];
  afterEach(async () => {
    await killAll();
    for (const cleanup of dirs.splice(0)) cleanup();
  });

  it('shows the configuration it was started with, secrets redacted, and where each value came from', async () => {
    const { dir, cleanup } = tempDir();
    dirs.push(cleanup);
    const file = join(dir, 'vigil.yaml');
    writeFileSync(file, 'sla:\n  collection_interval_s: 120\nbilling:\n  api_key: file-secret\n');
    const db = join(dir, 'vigil.db');
    const { url } = await startCoordinator(db, {
      VIGIL_CONFIG_FILE: file,
      VIGIL_CONFIG_JSON: JSON.stringify({ sla: { slice_s: 60 } }),
      VIGIL_API__MAX_BATCH_SIZE: '50',
      LOG_LEVEL: 'info',
      VIGIL_AUTH__SIGNING_KEY_PATH: join(dir, 'coordinator.key'),
    });
    const operator = await createKey(db, 'operator');
    const res = await call(url, 'GET', '/config', { key: operator });
    expect(res.status, res.text).toBe(200);
    expect(res.text).not.toContain('file-secret');
    const body = res.body as { config: Record<string, unknown>; settings: Setting[] };
    const of = (key: string) => {
      const s = body.settings.find((setting) => setting.key === key);
      return s && { value: s.value, source: s.source, origin: s.origin };
    };
    expect(of('port')).toEqual({ value: 0, source: 'flag', origin: 'flag port' });
    expect(of('database_url')).toEqual({ value: db, source: 'flag', origin: 'flag database_url' });
    expect(of('sla.collection_interval_s')).toEqual({
      value: 120,
      source: 'file',
      origin: `file ${file} (from env VIGIL_CONFIG_FILE)`,
    });
    expect(of('billing.api_key')).toMatchObject({ value: '[redacted]', source: 'file' });
    expect(of('sla.slice_s')).toEqual({ value: 60, source: 'json_env', origin: 'env VIGIL_CONFIG_JSON' });
    expect(of('api.max_batch_size')).toEqual({
      value: 50,
      source: 'env',
      origin: 'env VIGIL_API__MAX_BATCH_SIZE',
    });
    expect(of('log_level')).toEqual({ value: 'info', source: 'env', origin: 'env LOG_LEVEL' });
    expect(of('sla.uptime_window_s')).toEqual({ value: 86_400, source: 'default', origin: 'default' });
    expect(body.config).toMatchObject({ port: 0, billing: { api_key: '[redacted]' }, sla: { slice_s: 60 } });

    const reader = await createKey(db, 'read');
    expect((await call(url, 'GET', '/config', { key: reader })).status).toBe(403);
  });
});
