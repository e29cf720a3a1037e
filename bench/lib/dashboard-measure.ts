import type { Browser, BrowserContext, Cookie } from 'playwright-core';

/** How a page is known to be ready: its main content is on screen. */
export interface PageProbe {
  name: string;
  hash: string;
  ready: string;
}

export interface LoadFigures {
  /** Navigation start to the ready selector's element on screen. */
  contentMs: number;
  /** Content, or the end of the last long task before it settled, whichever is later. */
  interactiveMs: number;
  longTasks: number;
  longestTaskMs: number;
  /** Bytes on the wire: response bodies as sent (compressed where they were) and headers. */
  transferredKb: number;
  /** The response bodies as the page read them, decompressed. */
  decodedKb: number;
}

/** Records the page's long tasks from its first script on, for the figures below. */
const OBSERVE_LONG_TASKS = `
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
`;

/**
 * One cold load of a page (a fresh context: empty cache, only the session cookie): how long
 * until its content shows and until the main thread settles after it (no long task within
 * 500 ms), the long tasks on the way and the bytes transferred.
 */
export async function coldLoad(
  browser: Browser,
  base: string,
  session: Cookie[],
  probe: PageProbe,
): Promise<LoadFigures> {
  const context = await browser.newContext();
  try {
    await context.addCookies(session);
    await context.addInitScript(OBSERVE_LONG_TASKS);
    const page = await context.newPage();
    // What crossed the wire (bodies as sent, compressed or not, and headers), and the bodies
    // as the page read them: the difference is what compression saved.
    let bytes = 0;
    let decoded = 0;
    page.on('response', (response) => {
      void response
        .request()
        .sizes()
        .then((sizes) => {
          bytes += sizes.responseBodySize + sizes.responseHeadersSize;
        })
        .catch(() => {});
      void response
        .body()
        .then((body) => {
          decoded += body.length;
        })
        .catch(() => {});
    });
    await page.goto(`${base}/${probe.hash}`);
    await page.locator(probe.ready).first().waitFor({ timeout: 60_000 });
    const contentMs = (await page.evaluate('performance.now()')) as number;
    await page.waitForTimeout(600);
    const tasks = (await page.evaluate('window.__longTasks')) as { start: number; duration: number }[];
    const settled = tasks
      .filter((t) => t.start < contentMs + 500)
      .reduce((end, t) => Math.max(end, t.start + t.duration), 0);
    return {
      contentMs,
      interactiveMs: Math.max(contentMs, settled),
      longTasks: tasks.length,
      longestTaskMs: tasks.reduce((m, t) => Math.max(m, t.duration), 0),
      transferredKb: bytes / 1024,
      decodedKb: decoded / 1024,
    };
  } finally {
    await context.close();
  }
}

export interface ScrollFigures {
  rows: number;
  frames: number;
  ms: number;
  longTasks: number;
  longestTaskMs: number;
  /** Frame to frame, from requestAnimationFrame's timestamps: the median and the slowest 5 %. */
  frameMedianMs: number;
  frameP95Ms: number;
  rowsShownAtEnd: number;
}

/**
 * Scrolls the node list from top to bottom, one screen step per animation frame, as a
 * trackpad fling would, and reports the long tasks (> 50 ms) seen meanwhile.
 */
export async function scrollWholeList(
  context: BrowserContext,
  base: string,
  { stepPx = 720, tracePath }: { stepPx?: number; tracePath?: string | undefined } = {},
): Promise<ScrollFigures> {
  await context.addInitScript(OBSERVE_LONG_TASKS);
  const page = await context.newPage();
  await page.goto(`${base}/#/nodes`);
  await page.locator('table.virtual tbody tr td a').first().waitFor({ timeout: 60_000 });
  await page.waitForTimeout(500);
  // A Chromium trace of the scroll, for DevTools' Performance panel (--trace FILE).
  const browser = context.browser();
  if (tracePath !== undefined && browser !== null) {
    await browser.startTracing(page, {
      path: tracePath,
      categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'blink'],
    });
  }
  const result = (await page.evaluate(`(async () => {
    const scroller = document.querySelector('.virtual-scroll');
    const rows = Number(document.querySelector('table.virtual').getAttribute('aria-rowcount')) - 1;
    const before = window.__longTasks.length;
    const started = performance.now();
    let frames = 0;
    const stamps = [];
    while (scroller.scrollTop + scroller.clientHeight < scroller.scrollHeight - 1) {
      scroller.scrollTop += ${stepPx};
      frames++;
      stamps.push(await new Promise((resolve) => requestAnimationFrame(resolve)));
    }
    const ms = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const tasks = window.__longTasks.slice(before);
    const gaps = stamps.slice(1).map((t, i) => t - stamps[i]).sort((a, b) => a - b);
    const at = (q) => gaps.length === 0 ? 0 : gaps[Math.min(gaps.length - 1, Math.floor(q * gaps.length))];
    return {
      rows, frames, ms,
      longTasks: tasks.length,
      longestTaskMs: tasks.reduce((m, t) => Math.max(m, t.duration), 0),
      frameMedianMs: at(0.5),
      frameP95Ms: at(0.95),
    };
  })()`)) as Omit<ScrollFigures, 'rowsShownAtEnd'>;
  if (tracePath !== undefined && browser !== null) await browser.stopTracing();
  // The last rows arrive by fetch once the scroll stops there.
  await page.waitForFunction(
    `document.querySelectorAll('table.virtual tbody tr td a').length > 0`,
    undefined,
    { timeout: 30_000 },
  );
  const rowsShownAtEnd = (await page.evaluate(
    `document.querySelectorAll('table.virtual tbody tr td a').length`,
  )) as number;
  await page.close();
  return { ...result, rowsShownAtEnd };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
}
