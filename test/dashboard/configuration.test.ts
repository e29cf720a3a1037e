import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { loadConfigWithSources } from '../../src/config/load.ts';
import { get } from '../coordinator/api/support.ts';
import { seriousA11yViolations } from '../helpers/axe.ts';
import { chromiumMissing, consoleErrors } from '../helpers/chromium.ts';
import { PHONE_DARK, signedIn, useDashboard } from './support.ts';

const missing = chromiumMissing();

const SECRETS = ['billing-secret', 'hook-secret', 't0ken'];

/**
 * Loaded as `vigil coordinator` loads it, so each value has a real source: a flag, a VIGIL_*
 * variable and VIGIL_CONFIG_JSON, with three secrets among them.
 */
const loaded = loadConfigWithSources({
  env: {
    VIGIL_BILLING__API_KEY: 'billing-secret',
    VIGIL_CONFIG_JSON: JSON.stringify({
      alerts: {
        webhooks: [
          {
            url: 'https://hooks.example.com/services/T0/B0/hook-secret',
            format: 'slack',
            headers: { 'x-token': 't0ken' },
          },
        ],
      },
    }),
  },
  flags: { 'sla.collection_interval_s': '60' },
});

const rowOf = (page: Page, key: string) =>
  page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: key, exact: true }) });

/** A row's cells as the page shows them: key, value, where it came from, variable. */
const cellsOf = async (page: Page, key: string) =>
  (await rowOf(page, key).locator('th, td').allTextContents()).map((t) => t.trim());

describe.skipIf(missing !== null)('dashboard: the configuration page in Chromium', () => {
  const h = useDashboard(
    (c) => {
      c.sla.collection_interval_s = loaded.config.sla.collection_interval_s;
      c.billing.api_key = loaded.config.billing.api_key;
      c.alerts.webhooks = loaded.config.alerts.webhooks;
    },
    { configSources: loaded.sources },
  );

  it('shows an operator every key, where it came from, and no secret', async () => {
    const { context, page } = await signedIn(h(), 'operator');
    const errors = consoleErrors(page);
    await page
      .getByRole('navigation', { name: 'Pages' })
      .getByRole('link', { name: 'Configuration' })
      .click();
    await page.getByRole('heading', { name: 'Configuration', level: 1 }).waitFor();
    const settings = (await get(h().api, '/config', 'operator')).json() as {
      settings: { key: string; source: string }[];
    };
    const all = settings.settings.length;
    await page.getByRole('status').getByText(`${all} of ${all} keys`).waitFor();
    expect(
      await page.getByRole('table', { name: 'Effective configuration' }).locator('tbody tr').count(),
    ).toBe(all);

    expect(await cellsOf(page, 'sla.collection_interval_s')).toEqual([
      'sla.collection_interval_s',
      '60',
      'flag sla.collection_interval_s',
      'VIGIL_SLA__COLLECTION_INTERVAL_S',
    ]);
    expect(await cellsOf(page, 'billing.api_key')).toEqual([
      'billing.api_key',
      '[redacted]',
      'env VIGIL_BILLING__API_KEY',
      'VIGIL_BILLING__API_KEY',
    ]);
    const [, webhooks, from] = await cellsOf(page, 'alerts.webhooks');
    expect(webhooks).toContain('https://hooks.example.com/…');
    expect(webhooks).toContain('[redacted]');
    expect(from).toBe('env VIGIL_CONFIG_JSON');
    expect(await cellsOf(page, 'sla.slice_s')).toEqual([
      'sla.slice_s',
      '300',
      'default',
      'VIGIL_SLA__SLICE_S',
    ]);
    // A value set elsewhere is marked as such; a default is not.
    expect(await rowOf(page, 'billing.api_key').locator('td.changed').count()).toBe(1);
    expect(await rowOf(page, 'sla.slice_s').locator('td.changed').count()).toBe(0);
    const text = (await page.locator('main').textContent()) ?? '';
    for (const secret of SECRETS) expect(text).not.toContain(secret);

    // Filtered by key, then to what is not a default.
    await page.getByLabel('Key').fill('billing.');
    const billing = settings.settings.filter((s) => s.key.includes('billing.')).length;
    await page.getByRole('status').getByText(`${billing} of ${all} keys`).waitFor();
    expect(await page.locator('tbody tr').count()).toBe(billing);
    await page.getByLabel('Key').fill('');
    await page.getByLabel('Only values that are not defaults').check();
    const changed = settings.settings.filter((s) => s.source !== 'default');
    await page.getByRole('status').getByText(`${changed.length} of ${all} keys`).waitFor();
    expect(await page.locator('tbody th').allTextContents()).toEqual(changed.map((s) => s.key));
    expect(changed.map((s) => s.key)).toEqual(
      expect.arrayContaining(['sla.collection_interval_s', 'billing.api_key', 'alerts.webhooks']),
    );

    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('offers read and tenant keys no configuration page, and the server refuses them', async () => {
    for (const role of ['read', 'tenant'] as const) {
      const { context, page } = await signedIn(h(), role);
      const errors = consoleErrors(page);
      const nav = page.getByRole('navigation', { name: 'Pages' });
      await nav.getByRole('link', { name: 'Overview' }).waitFor();
      expect(await nav.getByRole('link', { name: 'Configuration' }).count(), role).toBe(0);
      await page.goto(`${h().url}/#/configuration`);
      await page.getByText(`A key with role ${role} cannot open this page.`).waitFor();
      expect(await page.getByRole('table').count()).toBe(0);
      // The page asked nothing it would be refused.
      expect(errors, role).toEqual([]);
      // GET /config is for operators (and admins); the session's key is refused whatever the page shows.
      const answer = await page.evaluate(async () => {
        const res = await fetch('/config', { credentials: 'same-origin' });
        return { status: res.status, body: await res.text() };
      });
      expect(answer.status, role).toBe(403);
      expect(answer.body).toMatch(/operator or admin/);
      for (const secret of SECRETS) expect(answer.body).not.toContain(secret);
      await context.close();
    }
  });

  it('lets an admin open it too', async () => {
    const { context, page } = await signedIn(h(), 'admin');
    await page
      .getByRole('navigation', { name: 'Pages' })
      .getByRole('link', { name: 'Configuration' })
      .click();
    await page.getByRole('heading', { name: 'Configuration', level: 1 }).waitFor();
    await rowOf(page, 'billing.api_key').getByText('[redacted]').waitFor();
    await context.close();
  });

  it('fits a phone-width screen in the dark scheme', async () => {
    const { context, page } = await signedIn(h(), 'operator', PHONE_DARK);
    await page.goto(`${h().url}/#/configuration`);
    const row = rowOf(page, 'billing.api_key');
    await row.waitFor();
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await page.getByLabel('Key').isVisible()).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await context.close();
  });
});
