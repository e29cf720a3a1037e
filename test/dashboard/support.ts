import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { ConfigSources } from '../../src/config/load.ts';
import type { VigilConfig } from '../../src/config/schema.ts';
import type { Role } from '../../src/store/schema.ts';
import { createTestApi, type TestApi } from '../helpers/api.ts';
import { backends } from '../helpers/backends.ts';
import { launchChromium } from '../helpers/chromium.ts';

export interface DashboardHarness {
  api: TestApi;
  browser: Browser;
  /** http://127.0.0.1:<port> of the coordinator serving the dashboard. */
  url: string;
}

/**
 * A real coordinator on SQLite listening on loopback, serving the built dashboard, and one
 * headless Chromium for the file's tests. The coordinator's clock follows the real one unless
 * a test keeps its own, so what the browser is told about times matches its own.
 */
export function useDashboard(
  adjust?: (config: VigilConfig) => void,
  {
    seed,
    realClock = true,
    configSources,
  }: {
    /** Data written before the coordinator listens (with the test clock, where it matters). */
    seed?: (api: TestApi) => Promise<void>;
    /** Follow the real clock (the default), or keep the test's settable one. */
    realClock?: boolean;
    /** Where each configuration value came from, as a coordinator started by the CLI knows it. */
    configSources?: ConfigSources;
  } = {},
): () => DashboardHarness {
  let harness: DashboardHarness | undefined;
  let tick: ReturnType<typeof setInterval> | undefined;
  beforeAll(async () => {
    const api = await createTestApi(
      backends[0]!,
      adjust,
      configSources === undefined ? {} : { configSources },
    );
    await seed?.(api);
    if (realClock) {
      api.clock.now = Date.now();
      tick = setInterval(() => {
        api.clock.now = Date.now();
      }, 50);
    }
    await api.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = api.app.server.address() as AddressInfo;
    harness = { api, browser: await launchChromium(), url: `http://127.0.0.1:${port}` };
  }, 120_000);
  afterAll(async () => {
    clearInterval(tick);
    await harness?.browser.close();
    await harness?.api.close();
  });
  return () => {
    if (harness === undefined) throw new Error('the dashboard harness is not started');
    return harness;
  };
}

/** A phone-width screen in the dark scheme: where pages most often overflow or lose contrast. */
export const PHONE_DARK: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  colorScheme: 'dark',
};

/** A fresh browser context (its own cookies) signed in through the form with a role's key. */
export async function signedIn(
  h: DashboardHarness,
  role: Role,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await h.browser.newContext(options);
  const page = await context.newPage();
  await page.goto(`${h.url}/`);
  await page.getByLabel('API key').fill(h.api.keys[role]);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Pages' }).waitFor();
  return { context, page };
}
