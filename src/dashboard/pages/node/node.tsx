import { Figure, Figures, LoadError, Panel } from '../../components/figures.tsx';
import { ApiError } from '../../lib/api.ts';
import { formatAgo, formatNumber } from '../../lib/format.ts';
import { usePoll } from '../../lib/use-poll.ts';
import type { PageProps } from '../../shell/page.ts';
import { MetricCharts } from './metric-charts.tsx';
import { NodeEpochs, NodeMonitoring, NodeViolations, NodeWorkers } from './node-sections.tsx';
import { UptimeStrip } from './uptime-strip.tsx';

interface NodeDetail {
  node_id: string;
  operator: string | null;
  public_key: string | null;
  endpoint: string | null;
  state: string;
  max_parallel: number;
  topics: string[];
  status: {
    live: boolean;
    last_heartbeat_at: string | null;
    busy_slots: number | null;
    queue_length: number | null;
    version: string | null;
  };
  lifecycle: { state: string; reason: string | null };
  quality: { verified: number; failed: number; score: number | null };
  workers: Parameters<typeof NodeWorkers>[0]['workers'];
}

/**
 * One node: who it is and how it is now, its SLA metrics over time against their thresholds,
 * the slice-by-slice evidence behind its uptime, its violations, workers, monitoring this
 * epoch, and what each settled epoch paid it.
 */
export default function NodePage({ params }: PageProps) {
  const nodeId = params['node_id'] ?? '';
  const node = usePoll<NodeDetail>(`/nodes/${encodeURIComponent(nodeId)}`);
  const epoch = usePoll<{ epoch: number; seed: string | null }>('/epochs/current', 30_000);
  const n = node.data;

  if (node.error instanceof ApiError && node.error.status === 404) {
    return (
      <>
        <h1 tabIndex={-1}>Node {nodeId}</h1>
        <p>There is no node {nodeId}.</p>
      </>
    );
  }
  return (
    <>
      <h1 tabIndex={-1}>Node {nodeId}</h1>
      <LoadError error={node.error} />
      {n && (
        <Figures label="The node now">
          <Figure
            label="Liveness"
            value={n.status.live ? 'live' : 'silent'}
            tone={n.status.live ? 'good' : 'bad'}
          />
          <Figure label="Last heartbeat" value={formatAgo(n.status.last_heartbeat_at)} />
          <Figure label="Lifecycle" value={n.lifecycle.state} />
          <Figure label="Operator" value={n.operator ?? '—'} />
          <Figure
            label="Slots busy"
            value={`${formatNumber(n.status.busy_slots)} of ${formatNumber(n.max_parallel)}`}
          />
          <Figure label="Quality score" value={formatNumber(n.quality.score, 3)} />
          <Figure label="Registration" value={n.state} />
        </Figures>
      )}
      <Panel title="SLA metrics">
        <MetricCharts nodeId={nodeId} />
      </Panel>
      <Panel title="Uptime evidence">
        <UptimeStrip nodeId={nodeId} />
      </Panel>
      <Panel title="Violations">
        <NodeViolations nodeId={nodeId} />
      </Panel>
      <Panel title="Workers">
        <NodeWorkers nodeId={nodeId} workers={n?.workers ?? []} />
      </Panel>
      <Panel title="Monitoring this epoch">
        <NodeMonitoring nodeId={nodeId} epoch={epoch.data} hasKey={n?.public_key != null} />
      </Panel>
      <Panel title="Settled epochs">
        <NodeEpochs nodeId={nodeId} />
      </Panel>
    </>
  );
}
