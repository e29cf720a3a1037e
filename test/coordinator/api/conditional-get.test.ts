import { describe, expect, it } from 'vitest';
import { noneMatch } from '../../../src/coordinator/http/conditional-get.ts';
import { backends } from '../../helpers/backends.ts';
import { get, register, useApi } from './support.ts';

describe('API: ETags on reads (a poll that changed nothing costs a 304)', () => {
  const api = useApi(backends[0]!);

  const getWith = (url: string, ifNoneMatch: string) =>
    api().app.inject({ method: 'GET', url, headers: { ...api().as('read'), 'if-none-match': ifNoneMatch } });

  it('tags a JSON read, answers 304 with no body while it is unchanged, and 200 again once it changed', async () => {
    await register(api(), { node_id: 'n1', max_parallel: 1 });
    const first = await get(api(), '/nodes');
    expect(first.statusCode).toBe(200);
    const etag = first.headers['etag'] as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers['cache-control']).toBe('private, no-cache');

    const again = await getWith('/nodes', etag);
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers['etag']).toBe(etag);

    await register(api(), { node_id: 'n2', max_parallel: 1 });
    const changed = await getWith('/nodes', etag);
    expect(changed.statusCode).toBe(200);
    expect(changed.headers['etag']).not.toBe(etag);
    expect((changed.json() as { nodes: unknown[] }).nodes).toHaveLength(2);
  });

  it('tags neither errors nor changes, so neither can be answered 304', async () => {
    const missing = await get(api(), '/nodes/nobody');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['etag']).toBeUndefined();
    const refused = await getWith('/nodes/nobody', '*');
    expect(refused.statusCode).toBe(404);

    const created = await register(api(), { node_id: 'n3', max_parallel: 1 });
    expect(created.statusCode).toBe(201);
    expect(created.headers['etag']).toBeUndefined();
  });

  it('leaves what is not JSON alone (the Prometheus exposition)', async () => {
    const metrics = await api().app.inject({ method: 'GET', url: '/metrics', headers: api().as('read') });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['etag']).toBeUndefined();
  });
});

describe('If-None-Match', () => {
  it('matches any tag of a list, weakly, and *', () => {
    expect(noneMatch(undefined, '"a"')).toBe(false);
    expect(noneMatch('"a"', '"a"')).toBe(true);
    expect(noneMatch('W/"a"', '"a"')).toBe(true);
    expect(noneMatch('"b", W/"a"', '"a"')).toBe(true);
    expect(noneMatch('*', '"a"')).toBe(true);
    expect(noneMatch('"b"', '"a"')).toBe(false);
    expect(noneMatch('"ab"', '"a"')).toBe(false);
  });
});
