import { parentPort } from 'node:worker_threads';
import { examineReportText, type MonitorKeyLookup, monitorKeyLookup } from '../../core/settlement/examine.ts';
import type { FromExaminer, ToExaminer } from './messages.ts';

/**
 * A settlement examiner thread: parses, validates, encodes, digests and verifies the stored
 * reports it is sent, with the keys it was sent last, and posts the results back.
 */
const port = parentPort;
if (port === null) throw new Error('examine-worker.ts runs as a worker thread');

let keyOf: MonitorKeyLookup = () => null;

port.on('message', (message: ToExaminer) => {
  if (message.type === 'keys') {
    keyOf = monitorKeyLookup(new Map(message.keys));
    return;
  }
  let reply: FromExaminer;
  try {
    const examined = message.texts.map((text) => examineReportText(text, keyOf));
    reply = { type: 'examined', first: message.first, examined };
  } catch (error) {
    reply = { type: 'failed', first: message.first, message: String((error as Error)?.stack ?? error) };
  }
  port.postMessage(reply);
});
