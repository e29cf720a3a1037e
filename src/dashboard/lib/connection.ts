/**
 * Whether the live pages are reaching the coordinator. Every poll reports here; the shell
 * shows "reconnecting" while any poll is failing and backing off.
 */
export type ConnectionState = 'connected' | 'reconnecting';

const failing = new Set<object>();
const listeners = new Set<(state: ConnectionState) => void>();

export function connectionState(): ConnectionState {
  return failing.size === 0 ? 'connected' : 'reconnecting';
}

export function reportConnection(poller: object, ok: boolean): void {
  const before = connectionState();
  if (ok) failing.delete(poller);
  else failing.add(poller);
  const after = connectionState();
  if (after !== before) for (const listener of listeners) listener(after);
}

export function onConnectionChange(listener: (state: ConnectionState) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
