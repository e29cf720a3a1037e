import { parentPort, workerData } from 'node:worker_threads';
import { callEntry, type Loaded, loadEntry } from './module-call.ts';

/**
 * A module adapter's thread: imports the export once, then runs one call at a time as the
 * worker asks, posting each outcome back. A call is stopped by terminating the thread, so
 * nothing here needs to know about timeouts; the signal a call gets aborts only if the worker
 * asks it to stop politely first.
 */
const port = parentPort;
if (port === null) throw new Error('module-thread.ts runs as a worker thread');
const { file, exportName, source } = workerData as { file: string; exportName: string; source: string };

let loading: Promise<Loaded> | undefined;
let controller: AbortController | undefined;

port.on('message', async (message: { kind: 'run'; input: unknown } | { kind: 'abort' }) => {
  if (message.kind === 'abort') {
    controller?.abort();
    return;
  }
  controller = new AbortController();
  loading ??= loadEntry(file, exportName);
  const outcome = await callEntry(await loading, message.input, controller.signal, source);
  port.postMessage(outcome);
});
