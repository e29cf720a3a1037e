import type { AlertEvent } from './events.ts';

/** The generic webhook body. `version` changes only when a field changes meaning or goes away. */
export interface JsonAlertBody {
  version: 1;
  /** When the collection that produced these events ran (epoch ms). */
  generated_at: number;
  events: AlertEvent[];
}

export function formatJson(events: readonly AlertEvent[], now: number): JsonAlertBody {
  return { version: 1, generated_at: now, events: [...events] };
}
