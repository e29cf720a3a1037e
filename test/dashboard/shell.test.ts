import { describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../helpers/axe.ts';
import { chromiumMissing, consoleErrors } from '../helpers/chromium.ts';
import { signedIn, useDashboard } from './support.ts';

const missing = chromiumMissing();
if (missing !== null) console.warn(`[vigil tests] dashboard browser tests skipped: ${missing}`);

describe.skipIf(missing !== null)('dashboard: the shell in Chromium', () => {
  const h = useDashboard();

  it('serves the app at / with a content security policy, and its assets without a key', async () => {
    const index = await fetch(`${h().url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const html = await index.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${h().url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    // Sent as the build compressed it, in the encoding the browser accepts, the same script.
    const plain = await fetch(`${h().url}${script}`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    const text = await plain.text();
    for (const encoding of ['br', 'gzip']) {
      const packed = await fetch(`${h().url}${script}`, { headers: { 'accept-encoding': encoding } });
      expect(packed.headers.get('content-encoding')).toBe(encoding);
      expect(packed.headers.get('vary')).toMatch(/accept-encoding/i);
      expect(Number(packed.headers.get('content-length'))).toBeLessThan(text.length / 2);
      expect(await packed.text()).toBe(text);
    }
    // The API keeps its paths and its rules.
    expect((await fetch(`${h().url}/nodes`)).status).toBe(401);
  });

  it('signs in with a key, shows the overview without console errors, and signs out', async () => {
    const context = await h().browser.newContext();
    const page = await context.newPage();
    const errors = consoleErrors(page);
    await page.goto(`${h().url}/`);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByLabel('API key').fill(h().api.keys.read);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    // The sign-in form that had focus is gone: the page's heading takes it.
    expect(await page.evaluate('document.activeElement?.tagName')).toBe('H1');
    await page.getByRole('heading', { name: 'SLA' }).waitFor();
    await page.getByText('healthy').waitFor();
    expect(await page.title()).toBe('Overview · Vigil');
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'vigil_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
    });
    expect(await page.evaluate('document.cookie')).toBe('');
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    const token = cookies.find((c) => c.name === 'vigil_session')?.value;
    const after = await fetch(`${h().url}/sla/status`, { headers: { cookie: `vigil_session=${token}` } });
    expect(after.status).toBe(401);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('says so when a key is refused', async () => {
    const context = await h().browser.newContext();
    const page = await context.newPage();
    await page.goto(`${h().url}/`);
    await page.getByLabel('API key').fill('vgl_not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('That key is unknown or revoked.').waitFor();
    await context.close();
  });

  it('a one-time sign-in link opens the dashboard once', async () => {
    const row = await h()
      .api.store.db.selectFrom('api_keys')
      .select('id')
      .where('prefix', '=', h().api.keys.admin.slice(0, 12))
      .executeTakeFirstOrThrow();
    const link = await h().api.sessions.link(row.id);
    const context = await h().browser.newContext();
    const page = await context.newPage();
    await page.goto(`${h().url}/auth/sign-in?token=${link.token}`);
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    await expect(page.locator('.who').textContent()).resolves.toContain('admin');
    await context.close();

    const second = await h().browser.newContext();
    const again = await second.newPage();
    await again.goto(`${h().url}/auth/sign-in?token=${link.token}`);
    await again.getByText('That sign-in link was used already or has expired.').waitFor();
    await second.close();
  });

  it('polls revalidate: the browser sends the ETag back and an unchanged answer costs a 304', async () => {
    const { context, page } = await signedIn(h(), 'operator');
    const statuses = await page.evaluate(async () => {
      const first = await fetch('/config');
      const second = await fetch('/config');
      return [first.status, second.status, (await second.json()) !== null];
    });
    // The browser hands the cached body over as a 200; the coordinator answered 304.
    expect(statuses).toEqual([200, 200, true]);
    const metrics = await h().api.app.inject({ method: 'GET', url: '/metrics', headers: h().api.as('read') });
    expect(metrics.body).toMatch(
      /vigil_http_request_duration_seconds_count\{method="GET",route="\/config",status_code="304"\} [1-9]/,
    );
    await context.close();
  });

  it('shows "reconnecting" while the coordinator is away, and recovers by itself', async () => {
    const { context, page } = await signedIn(h(), 'read');
    await page.getByRole('status').getByText('Live').waitFor();
    await page.route('**/fleet/summary', (route) => route.abort('connectionrefused'));
    await page.getByText('Reconnecting…').waitFor({ timeout: 15_000 });
    await page.unroute('**/fleet/summary');
    await page.getByRole('status').getByText('Live').waitFor({ timeout: 30_000 });
    await context.close();
  });

  it('answers an unknown page with a page, not an error, and keeps keyboard focus sensible', async () => {
    const { context, page } = await signedIn(h(), 'read');
    await page.goto(`${h().url}/#/no-such-page`);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    await page.getByRole('link', { name: 'Go to the overview' }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    expect(await page.evaluate('document.activeElement?.tagName')).toBe('H1');
    await context.close();
  });

  it('Tab from the top of the page reaches "Skip to content" first, and it moves focus to the page', async () => {
    const { context, page } = await signedIn(h(), 'read');
    await page.goto(`${h().url}/#/violations`);
    const heading = page.getByRole('heading', { name: 'Violations', level: 1 });
    await heading.waitFor();
    // Moving to a page focuses its heading; a page the browser opens (a reload, a bookmark)
    // leaves focus at the document's start.
    expect(await heading.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.reload();
    await heading.waitFor();
    await page.getByRole('status').getByText('Live').waitFor();
    expect(await page.evaluate(() => document.activeElement === document.body)).toBe(true);
    await page.keyboard.press('Tab');
    const skip = page.getByRole('button', { name: 'Skip to content' });
    expect(await skip.evaluate((el) => el === document.activeElement)).toBe(true);
    // Hidden off-screen until focused, then in view.
    const box = await skip.boundingBox();
    expect(box?.x).toBeGreaterThanOrEqual(0);
    expect(await skip.isVisible()).toBe(true);

    await page.keyboard.press('Enter');
    expect(await heading.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.closest('main')?.id)).toBe('main');
    // And the next Tab goes on inside the page, past the navigation.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.closest('main') !== null)).toBe(true);
    await context.close();
  });

  it('fits a phone-width screen and the dark scheme without losing contrast', async () => {
    const context = await h().browser.newContext({
      viewport: { width: 390, height: 844 },
      colorScheme: 'dark',
    });
    const page = await context.newPage();
    await page.goto(`${h().url}/`);
    await page.getByLabel('API key').fill(h().api.keys.read);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await context.close();
  });
});
