import type { KeyObject } from 'node:crypto';
import type { ExaminedReport } from '../../../core/settlement/examine.ts';

/** Registered keys for the batches that follow; KeyObjects cross threads by postMessage. */
export interface KeysMessage {
  type: 'keys';
  keys: [node: string, key: KeyObject | string][];
}

/** Stored report texts to examine; `first` is the index of `texts[0]` in the whole list. */
export interface BatchMessage {
  type: 'batch';
  first: number;
  texts: string[];
}

export type ToExaminer = KeysMessage | BatchMessage;

export type FromExaminer =
  /** Sent once, when the thread has loaded and listens. */
  | { type: 'ready' }
  | { type: 'examined'; first: number; examined: ExaminedReport[] }
  | { type: 'failed'; first: number; message: string };
