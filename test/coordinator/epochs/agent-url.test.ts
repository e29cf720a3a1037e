import { expect, it } from 'vitest';
import type { TestApi } from '../../helpers/api.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { expectProblem, get, useApi } from '../api/support.ts';

function register(api: TestApi, payload: Record<string, unknown>) {
  return api.app.inject({ method: 'POST', url: '/nodes', headers: api.as('operator'), payload });
}

describeEachBackend('API: a node’s agent URL', (backend) => {
  const api = useApi(backend);

  it('is registered, shown, compared on re-registration and changed with PATCH', async () => {
    const body = { node_id: 'n1', max_parallel: 1, agent_url: 'http://127.0.0.1:9100' };
    const created = await register(api(), body);
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ agent_url: 'http://127.0.0.1:9100' });
    expect((await register(api(), body)).statusCode).toBe(200);
    const differing = expectProblem(
      await register(api(), { ...body, agent_url: 'http://127.0.0.1:9200' }),
      409,
      'conflict',
    );
    expect(differing['differences']).toEqual(['agent_url']);

    const patched = await api().app.inject({
      method: 'PATCH',
      url: '/nodes/n1',
      headers: api().as('operator'),
      payload: { agent_url: 'https://agent.example:9100' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect((await get(api(), '/nodes/n1')).json()).toMatchObject({ agent_url: 'https://agent.example:9100' });
  });

  it('is null when left out, and must be an http(s) URL', async () => {
    const plain = await register(api(), { node_id: 'n2', max_parallel: 1 });
    expect(plain.json()).toMatchObject({ agent_url: null });
    expectProblem(
      await register(api(), { node_id: 'n3', max_parallel: 1, agent_url: 'ftp://x' }),
      400,
      'invalid-request',
      /agent_url must be an http or https URL/,
    );
    expectProblem(
      await register(api(), { node_id: 'n3', max_parallel: 1, agent_url: 'not a url' }),
      400,
      'invalid-request',
      /agent_url "not a url" is not a URL/,
    );
    expect((await get(api(), '/nodes/n3')).statusCode).toBe(404);
  });
});
