import type { Page } from 'playwright-core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type AlertSettings,
  type CapacityAlert,
  type ConfigureBody,
  configureBody,
  fieldErrors,
  newerSettings,
} from '../../src/dashboard/pages/capacity/alert-model.ts';
import type { operations } from '../coordinator/api/openapi-schema.gen.ts';
import { collect, heartbeat, registerAll } from '../coordinator/api/support.ts';
import { seriousA11yViolations } from '../helpers/axe.ts';
import { chromiumMissing, consoleErrors } from '../helpers/chromium.ts';
import { signedIn, useDashboard } from './support.ts';

type Served<Op extends keyof operations> = operations[Op] extends {
  responses: { 200: { content: { 'application/json': infer Body } } };
}
  ? Body
  : never;
type Accepted<Op extends keyof operations> = operations[Op] extends {
  requestBody: { content: { 'application/json': infer Body } };
}
  ? Body
  : never;

describe('dashboard: capacity alerts shaped for the page', () => {
  it('reads and writes the API as its OpenAPI document describes it', () => {
    expectTypeOf<Served<'getSlaCapacityAlerts'>[number]>().toExtend<CapacityAlert>();
    expectTypeOf<Served<'getSlaCapacityAlertsConfigure'>>().toExtend<AlertSettings>();
    expectTypeOf<Served<'postSlaCapacityAlertsConfigure'>>().toExtend<AlertSettings>();
    // What the form sends is the body the API takes, but for a threshold that is not a
    // number, sent as typed so that the API's 400 says what is wrong with it.
    expectTypeOf<Omit<ConfigureBody, 'threshold_pct'>>().toExtend<
      Omit<Accepted<'postSlaCapacityAlertsConfigure'>, 'threshold_pct'>
    >();
  });

  it('sends only the fields touched: empty is the configuration’s threshold or no address', () => {
    expect(configureBody({ threshold: null, email: null, webhooks: null })).toEqual({});
    expect(configureBody({ threshold: ' 72.5 ', email: null, webhooks: null })).toEqual({
      threshold_pct: 72.5,
    });
    expect(configureBody({ threshold: '', email: '', webhooks: [] })).toEqual({
      threshold_pct: null,
      notification_email: null,
      webhooks: [],
    });
    expect(configureBody({ threshold: 'eighty', email: ' ops@example.com ', webhooks: null })).toEqual({
      threshold_pct: 'eighty',
      notification_email: 'ops@example.com',
    });
    expect(
      configureBody({
        threshold: null,
        email: null,
        webhooks: [
          { key: 'a', url: 'https://h.example/x ', format: 'slack', was: null },
          { key: 'webhook:kept.example:0123456789', url: ' ', format: 'json', was: 'https://kept.example/…' },
        ],
      }),
    ).toEqual({
      webhooks: [{ url: 'https://h.example/x', format: 'slack' }, { id: 'webhook:kept.example:0123456789' }],
    });
  });

  it('puts each part of a 400 beside the field it names, the first part of each', () => {
    expect(fieldErrors('body.notification_email "x" is not an e-mail address (name@domain)')).toEqual({
      notification_email: 'body.notification_email "x" is not an e-mail address (name@domain)',
    });
    expect(
      fieldErrors(
        'body.threshold_pct must be > 0; body.threshold_pct must be null; body.webhooks[1].url must be http or https, not ftp',
      ),
    ).toEqual({
      threshold_pct: 'body.threshold_pct must be > 0',
      'webhooks[1]': 'body.webhooks[1].url must be http or https, not ftp',
    });
    expect(fieldErrors('body.webhooks must NOT have more than 10 items')).toEqual({
      webhooks: 'body.webhooks must NOT have more than 10 items',
    });
    expect(fieldErrors('body must NOT have fewer than 1 properties')).toEqual({
      form: 'body must NOT have fewer than 1 properties',
    });
  });

  it('shows the newer of the polled settings and a save’s answer', () => {
    const at = (updated_at: string | null) => ({ updated_at }) as AlertSettings;
    const saved = at('2026-11-01T10:00:00.000Z');
    expect(newerSettings(at(null), saved)).toBe(saved);
    expect(newerSettings(undefined, saved)).toBe(saved);
    const later = at('2026-11-01T10:00:05.000Z');
    expect(newerSettings(later, saved)).toBe(later);
    expect(newerSettings(later, null)).toBe(later);
  });
});

const missing = chromiumMissing();
const SECRET_PATH = '/services/T000/B000/s3cr3tXYZ';

const settingsFact = (page: Page, term: string) =>
  page
    .getByRole('definition')
    .filter({ has: page.locator(`xpath=preceding-sibling::dt[1][normalize-space(.)="${term}"]`) });

async function openCapacity(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Capacity' }).click();
  await page.getByRole('heading', { name: 'Capacity', level: 1 }).waitFor();
  await page.getByRole('heading', { name: 'Alert settings' }).waitFor();
}

describe.skipIf(missing !== null)('dashboard: capacity alerts in Chromium', () => {
  const h = useDashboard();

  it('lets an operator change the settings, shows the API’s refusal beside the field, and an alert a collection opens', async () => {
    const { api } = h();
    const { context, page } = await signedIn(h(), 'operator');
    const errors = consoleErrors(page);
    await openCapacity(page);
    // A mark on this document: were the page reloaded, it would be gone.
    await page.evaluate(() => Object.assign(window, { notReloaded: true }));
    const alerts = page.getByRole('region', { name: 'Alerts', exact: true });
    await alerts.getByText('No capacity alert is open.').waitFor();
    await expect.poll(() => settingsFact(page, 'Threshold').textContent()).toContain('the configuration’s');
    const form = page.getByRole('form', { name: 'Change the capacity alert settings' });
    const save = form.getByRole('button', { name: 'Save the alert settings' });

    // The threshold, set and in effect.
    await form.getByLabel('Threshold (%)').fill('60');
    await save.click();
    await form.getByRole('status').getByText('Saved: the threshold is 60.0 %').waitFor();
    expect(await settingsFact(page, 'Threshold').textContent()).toBe(
      '60.0 % (set through the API; the configuration’s is 80.0 %)',
    );
    expect(await settingsFact(page, 'Resolves below').textContent()).toBe('58.0 %');
    expect(await settingsFact(page, 'Last changed').textContent()).toMatch(/ by operator key /);

    // A collection that finds the fleet over the new threshold (3 of 4 slots busy) opens an
    // alert; the page shows it unasked, checked below once the poll has had its turn.
    await registerAll(api, { node_id: 'busy-1', max_parallel: 4 });
    expect((await heartbeat(api, 'busy-1', { busy_slots: 3, queue_length: 0 })).statusCode).toBe(202);
    expect((await collect(api)).statusCode).toBe(200);

    // A bad address: the API's detail beside the field, and nothing stored.
    await form.getByLabel('E-mail address').fill('not-an-address');
    await save.click();
    await expect
      .poll(() => page.locator('#email-error').textContent())
      .toBe('body.notification_email "not-an-address" is not an e-mail address (name@domain)');
    expect(await form.getByLabel('E-mail address').getAttribute('aria-invalid')).toBe('true');
    expect(await settingsFact(page, 'E-mail').textContent()).toBe('none');
    expect(errors.splice(0).sort()).toEqual([
      `400 POST ${h().url}/sla/capacity/alerts/configure`,
      'Failed to load resource: the server responded with a status of 400 (Bad Request)',
    ]);

    // A good one and a webhook: shown as the API shows them, the secret never.
    await form.getByLabel('E-mail address').fill('ops@example.com');
    await form.getByRole('button', { name: 'Add a webhook' }).click();
    await form.getByLabel('URL', { exact: true }).fill(`https://hooks.slack.com${SECRET_PATH}`);
    await form.getByLabel('Format').selectOption('slack');
    await save.click();
    await form
      .getByRole('status')
      .getByText(/^Saved/)
      .waitFor();
    await expect.poll(() => page.locator('#email-error').textContent()).toBe('');
    expect(await settingsFact(page, 'E-mail').textContent()).toBe(
      'ops@example.com (not delivered: no SMTP server is configured (alerts.smtp.host))',
    );
    await settingsFact(page, 'Webhooks').getByText('https://hooks.slack.com/…').waitFor();
    expect(await page.content()).not.toContain('s3cr3t');

    // Adding another keeps the one in effect by its id, its URL never sent again.
    await form.getByRole('button', { name: 'Add a webhook' }).click();
    expect(
      await form
        .getByLabel('New URL for the webhook at https://hooks.slack.com/… (blank: keep it)')
        .inputValue(),
    ).toBe('');
    await form.getByLabel('URL', { exact: true }).fill('https://ops.example/hook');
    await save.click();
    await settingsFact(page, 'Webhooks').getByText('https://ops.example/…').waitFor();
    await settingsFact(page, 'Webhooks').getByText('https://hooks.slack.com/…').waitFor();
    expect(await page.content()).not.toContain('s3cr3t');

    // Removing the Slack one sends the list without it; then the other.
    await form.getByRole('button', { name: 'Remove the webhook at https://hooks.slack.com/…' }).click();
    await save.click();
    await expect.poll(() => settingsFact(page, 'Webhooks').textContent()).not.toContain('hooks.slack.com');
    await form.getByRole('button', { name: 'Remove the webhook at https://ops.example/…' }).click();
    await save.click();
    await expect.poll(() => settingsFact(page, 'Webhooks').textContent()).toBe('none set through the API');

    // The alert the collection opened, read by the panel's poll.
    const row = alerts
      .getByRole('table', { name: 'Open capacity alerts, newest first' })
      .getByRole('row', { name: /^Utilisation at or above the threshold/ });
    await row.waitFor({ timeout: 10_000 });
    const cells = (await row.locator('td').allTextContents()).map((t) => t.trim());
    expect(cells[0]).toBe('high');
    expect(cells[2]).toMatch(/^open for /);
    expect(cells.slice(3)).toEqual(['75.0 %', '75.0 %', '60.0 %', '—']);
    expect(await page.evaluate(() => 'notReloaded' in window)).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows a read key the settings without the form', async () => {
    const { context, page } = await signedIn(h(), 'read');
    const errors = consoleErrors(page);
    await openCapacity(page);
    await settingsFact(page, 'Threshold').getByText(/ %/).waitFor();
    expect(await page.getByRole('form', { name: 'Change the capacity alert settings' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Save|Add a webhook|Remove/ }).count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });
});
