import { fetchPublishedJson, verifyEpochInBrowser } from './verify-in-browser.ts';

/**
 * Verification on a thread of its own: checking every report's signature of a large epoch
 * takes seconds, which would freeze the page on its main thread.
 */
const scope = self as unknown as {
  onmessage: (event: MessageEvent<{ epoch: number }>) => void;
  postMessage: (message: unknown) => void;
};

scope.onmessage = async (event) => {
  try {
    const result = await verifyEpochInBrowser(event.data.epoch, { fetchJson: fetchPublishedJson });
    scope.postMessage({ ok: true, result });
  } catch (error) {
    scope.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
  }
};
