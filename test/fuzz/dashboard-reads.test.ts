import fc from 'fast-check';
import { expect, it } from 'vitest';
import { topicSchema } from '../../src/config/topic-schema.ts';
import { SERIES_NAMES } from '../../src/coordinator/series/catalogue.ts';
import { collect, liveMinutes, registerAll, useApi } from '../coordinator/api/support.ts';
import { describeEachBackend } from '../helpers/backends.ts';
import { badRequest, operationsOf } from './requests.ts';

// api.test.ts walks every operation; with fifty of them each gets a few dozen requests. The
// dashboard's two reads take the most query parameters of any route (names, subjects, ranges,
// points), so they get a walk of their own: generated bad requests answered by a 4xx
// problem+json, and well-formed ones, over stored history, never answered by a 5xx or by
// more points than asked for.

const RUNS = Number(process.env['VIGIL_FUZZ_RUNS'] ?? 300);
const HOUR = 3_600_000;

describeEachBackend('fuzz: the dashboard reads', (backend) => {
  const api = useApi(backend, (c) => {
    c.topics = [topicSchema.parse({ name: 'sha256' })];
    c.sla.slice_s = 60;
  });

  it(
    `answers ${RUNS} generated bad requests to /series and /fleet/summary with 4xx problem+json`,
    async () => {
      await api().app.ready();
      const operations = operationsOf(api().app.swagger() as never).filter(
        (op) => op.path === '/series' || op.path === '/fleet/summary',
      );
      expect(operations.length).toBe(2);
      await fc.assert(
        fc.asyncProperty(badRequest(operations), async (req) => {
          const res = await api().app.inject({ method: 'GET', url: req.url, headers: api().as('read') });
          const what = `${req.url.slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
          expect(res.statusCode, what).toBeLessThan(500);
          if (res.statusCode >= 400) {
            expect(res.headers['content-type'], what).toMatch(/^application\/problem\+json/);
            expect((res.json() as { type: string }).type, what).toMatch(/^urn:vigil:problem:/);
          }
        }),
        { numRuns: RUNS },
      );
    },
    30_000 + RUNS * 100,
  );

  it('answers well-formed series queries over stored history within their points', async () => {
    await registerAll(api(), { node_id: 'n1', max_parallel: 4 });
    for (let i = 0; i < 4; i++) {
      await liveMinutes(api(), 15, ['n1']);
      await collect(api());
    }
    const now = api().clock.now;
    const instant = fc
      .integer({ min: now - 3 * HOUR, max: now + HOUR })
      .map((t) => new Date(t).toISOString());
    const query = fc.record(
      {
        name: fc.constantFrom(...SERIES_NAMES),
        hours: fc.integer({ min: 1, max: 9600 }),
        from: instant,
        to: instant,
        points: fc.integer({ min: 2, max: 2000 }),
      },
      { requiredKeys: ['name'] },
    );
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        const subject = q.name.startsWith('node.')
          ? { node_id: 'n1' }
          : q.name.startsWith('topic.')
            ? { topic: 'sha256' }
            : {};
        const params = new URLSearchParams(
          Object.entries({ ...q, ...subject }).map(([k, v]) => [k, String(v)] as [string, string]),
        );
        const res = await api().app.inject({
          method: 'GET',
          url: `/series?${params}`,
          headers: api().as('read'),
        });
        const what = `${params} → ${res.statusCode} ${res.body.slice(0, 300)}`;
        expect(res.statusCode, what).toBeLessThan(500);
        if (res.statusCode === 200) {
          const points = (res.json() as { points: unknown[] }).points;
          expect(points.length, what).toBeLessThanOrEqual(q.points ?? 300);
        } else {
          // Only a range that cannot be: both hours and from, or from not before to.
          expect(res.statusCode, what).toBe(400);
          expect(
            q.from !== undefined &&
              (q.hours !== undefined || q.from >= (q.to ?? new Date(now).toISOString())),
            what,
          ).toBe(true);
        }
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  }, 60_000);
});
