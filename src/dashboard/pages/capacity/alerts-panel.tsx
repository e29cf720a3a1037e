import { LoadError } from '../../components/figures.tsx';
import { usePoll } from '../../lib/use-poll.ts';
import { type CapacityAlert, OPEN_ALERTS_PATH, RECENT_ALERTS_PATH } from './alert-model.ts';
import { AlertsTable } from './alerts-table.tsx';

/**
 * The fleet's capacity alerts, live: the open ones, then the recently resolved. Both polls
 * revalidate with their ETag, so an unchanged list costs a 304.
 */
export function AlertsPanel() {
  const open = usePoll<CapacityAlert[]>(OPEN_ALERTS_PATH);
  const recent = usePoll<CapacityAlert[]>(RECENT_ALERTS_PATH);
  const resolved = (recent.data ?? []).filter((a) => a.resolved_at !== null);
  return (
    <>
      <LoadError error={open.error ?? recent.error} />
      {open.data !== undefined && open.data.length === 0 && <p>No capacity alert is open.</p>}
      {open.data !== undefined && open.data.length > 0 && (
        <AlertsTable alerts={open.data} caption="Open capacity alerts, newest first" />
      )}
      {resolved.length > 0 && (
        <>
          <h3>Recently resolved</h3>
          <AlertsTable alerts={resolved} caption="Resolved capacity alerts, newest first" />
        </>
      )}
    </>
  );
}
