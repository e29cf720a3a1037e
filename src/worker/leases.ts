import type { LeaseRef } from '../core/work/protocol.ts';
import { CallAbortedError } from '../node-client/errors.ts';
import type { Logger } from '../platform/log.ts';
import { createWaker } from '../platform/wait.ts';
import type { WorkerCalls } from './coordinator-calls.ts';

/** The contract's limit on leases per extend call. */
const MAX_LEASES_PER_CALL = 500;

export type LeaseGone = 'cancelled' | 'lost';

interface Held {
  workerId: string;
  lease: LeaseRef;
  onGone: (status: LeaseGone) => void;
}

export interface LeaseKeeper {
  /** Keeps extending this lease until the returned function is called. */
  hold(workerId: string, lease: LeaseRef, onGone: (status: LeaseGone) => void): () => void;
  /** The coordinator's lease length (from each sync answer); leases are extended every third of it. */
  setLeaseMs(leaseMs: number): void;
  readonly held: number;
  close(): Promise<void>;
}

export interface LeaseKeeperOptions {
  calls: WorkerCalls;
  log: Logger;
  /** The lease length until the coordinator says (`setLeaseMs`). */
  leaseMs?: number;
}

/**
 * Extends every lease this host holds, every `lease_ms / 3`, in one call per worker (the call
 * names one worker) of up to 500 leases: a thousand jobs in flight cost a few calls, not a
 * thousand. A lease the coordinator answers `cancelled` or `lost` is dropped and its holder
 * told, so its adapter stops and nothing is sent for it. A failed call is only logged: the
 * next tick tries again, and a third of the lease is left for it.
 */
export function createLeaseKeeper({
  calls,
  log,
  leaseMs: initialLeaseMs = 30_000,
}: LeaseKeeperOptions): LeaseKeeper {
  const held = new Map<string, Held>();
  const waker = createWaker();
  const cut = new AbortController();
  let leaseMs = initialLeaseMs;
  let closed = false;

  async function extendAll(): Promise<void> {
    for (const [workerId, list] of byWorker(held.values())) {
      for (let i = 0; i < list.length; i += MAX_LEASES_PER_CALL) {
        const chunk = list.slice(i, i + MAX_LEASES_PER_CALL);
        try {
          const answer = await calls.extendLeases(
            workerId,
            chunk.map((h) => h.lease),
            cut.signal,
          );
          for (const { job_id, status } of answer.leases) {
            if (status === 'extended') continue;
            const h = held.get(job_id);
            if (h === undefined) continue;
            held.delete(job_id);
            log.info({ worker_id: workerId, job_id, status }, `lease ${status}; stopping the job`);
            h.onGone(status);
          }
        } catch (error) {
          if (error instanceof CallAbortedError) return;
          log.warn(
            { worker_id: workerId, leases: chunk.length, error: (error as Error).message },
            'could not extend leases; trying again next tick',
          );
        }
      }
    }
  }

  const running = (async () => {
    while (!closed) {
      await waker.sleep(Math.max(100, Math.floor(leaseMs / 3)));
      if (closed) return;
      if (held.size > 0) await extendAll();
    }
  })();

  return {
    hold(workerId, lease, onGone) {
      const entry = { workerId, lease, onGone };
      held.set(lease.job_id, entry);
      return () => {
        if (held.get(lease.job_id) === entry) held.delete(lease.job_id);
      };
    },
    setLeaseMs(ms) {
      if (ms > 0 && ms !== leaseMs) {
        leaseMs = ms;
        waker.wake();
      }
    },
    get held() {
      return held.size;
    },
    async close() {
      closed = true;
      cut.abort(new Error('closing'));
      waker.wake();
      await running;
    },
  };
}

/** The held leases grouped by the worker holding them: an extend call names one worker. */
function byWorker(held: Iterable<Held>): Map<string, Held[]> {
  const groups = new Map<string, Held[]>();
  for (const h of held) {
    const list = groups.get(h.workerId) ?? [];
    list.push(h);
    groups.set(h.workerId, list);
  }
  return groups;
}
