import { describe, expect, it } from 'vitest';
import { backends } from '../../helpers/backends.ts';
import { expectProblem, useApi } from './support.ts';

// Every test app checks, on close, that each status it answered is declared in /openapi.json
// (test/helpers/declared-statuses.ts). These are the answers the plumbing gives on any route,
// which feature tests rarely provoke: each is asked of every operation here, and checked both
// as a problem and against the document.

interface Operation {
  parameters?: Array<{ name: string; in: string }>;
  responses: Record<string, unknown>;
  'x-vigil-access': unknown;
}

describe('statuses every operation can answer', () => {
  const api = useApi(backends[0]!);
  const operations = async () => {
    const doc = (await api().app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, Operation>>;
    };
    return Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        method: method.toUpperCase() as 'GET',
        url: path.replace(/\{[^}]+\}/g, 'x1'),
        what: `${method.toUpperCase()} ${path}`,
        op,
      })),
    );
  };

  it('401 for an unknown key, on every operation, public ones included', async () => {
    for (const { method, url, what, op } of await operations()) {
      const res = await api().app.inject({ method, url, headers: { authorization: 'Bearer vgl_unknown' } });
      // Node-signed routes ignore API keys: without a signature they refuse it as unsigned.
      const slug = op['x-vigil-access'] === 'node-signed' ? 'signature-required' : 'unauthorized';
      expectProblem(res, 401, slug);
      expect(op.responses['401'], what).toBeDefined();
    }
  });

  it('400 for a query parameter the operation does not take, on every operation', async () => {
    for (const { method, url, what, op } of await operations()) {
      const res = await api().app.inject({ method, url: `${url}?bogus=1`, headers: api().as('admin') });
      if (res.statusCode === 401) continue; // node-signed: the signature is checked first
      expectProblem(res, 400, 'invalid-request');
      expect(op.responses['400'], what).toBeDefined();
    }
  });

  it('415 for a body that is not JSON, on every operation that takes one', async () => {
    for (const { method, url, what, op } of await operations()) {
      if (method === 'GET') continue;
      const res = await api().app.inject({
        method,
        url,
        headers: { ...api().as('admin'), 'content-type': 'text/plain' },
        payload: 'hello',
      });
      if (res.statusCode === 401) continue;
      expect(res.statusCode, what).toBe(415);
      expect(op.responses['415'], what).toBeDefined();
    }
  });
});
