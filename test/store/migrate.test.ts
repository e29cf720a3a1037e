import { afterEach, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.ts';
import { describeEachBackend } from '../helpers/backends.ts';

describeEachBackend('migrations', (backend) => {
  let store: Store | undefined;
  afterEach(async () => store?.close());

  it('applies every migration once and is idempotent', async () => {
    store = await backend.open();
    expect(await store.migrate()).toEqual([]);
    const row = await store.db
      .selectFrom('nodes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(row.n)).toBe(0);
  });
});
