import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's Chromium, as .ci/run installs it; no browser is ever downloaded. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Why the browser tests cannot run here, or null when they can. In CI they are mandatory:
 * `.ci/run` installs Chromium, so a missing one there is a failure, not a skip.
 */
export function chromiumMissing(): string | null {
  if (existsSync(CHROMIUM_PATH)) return null;
  if (process.env['CI'] === 'true')
    throw new Error(`CI needs Chromium at ${CHROMIUM_PATH} (.ci/run installs it)`);
  return `no Chromium at ${CHROMIUM_PATH}: install Debian's chromium package to run the browser tests`;
}

/**
 * Headless Chromium with the flags this machine's closed network needs: without
 * --disable-background-networking it keeps trying to reach Google's hosts at every start.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-gpu',
      '--no-first-run',
    ],
  });
}

/**
 * Collects what a page writes to its console as errors and what it throws, so a test can
 * demand that a page rendered cleanly.
 */
export function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  return errors;
}
