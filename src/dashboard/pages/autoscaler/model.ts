/**
 * The autoscaler pages' data as the API answers it (docs/api.md, "The autoscaler"), and the
 * pure shaping they show: a decision's proposals and deployer action in words, its chart.
 */

export interface Proposal {
  policy: string;
  /** Null when the policy proposed nothing (its data missing or stale). */
  replicas: number | null;
  reason: string;
}

/** What the deployer did for a decision: its result, or the error it threw. */
export type DeployerAction =
  | { started: string[]; stopping: string[]; detail: string }
  | { error: string }
  | null;

export interface Decision {
  id: string;
  target: string;
  at: string;
  at_ms: number;
  tick: string;
  reason: string;
  actual: number;
  previous_desired: number | null;
  desired: number;
  inputs: Record<string, { value: number; at_ms: number }> | null;
  proposals: Proposal[] | null;
  action: DeployerAction;
}

export interface ScaledTarget {
  name: string;
  topic: string | null;
  paused: boolean;
  min_replicas: number;
  max_replicas: number;
  changed_by_operator: string[];
  desired: number | null;
  actual: number | null;
  deployer: string;
  policies: string[];
  sources: { name: string; kind: string }[];
  last_scaled_at_ms: number | null;
  last_decision: Decision | null;
}

/** The reading a target with a topic is scaled on: ready and leased jobs. */
export const BACKLOG_INPUT = 'topic.backlog';

export const targetHref = (name: string) => `#/autoscaler/${encodeURIComponent(name)}`;
export const targetApiPath = (name: string) => `/autoscaler/targets/${encodeURIComponent(name)}`;
export const topicHref = (topic: string) => `#/topics/${encodeURIComponent(topic)}`;

/** "scale_up" reads as "scale up". */
export const reasonText = (reason: string) => reason.replaceAll('_', ' ');

/** One policy's proposal in words: "backlog → 4 (needs 3.2 …)" or "watermark → nothing (no data)". */
export function proposalText(p: Proposal): string {
  const count = p.replicas === null ? 'nothing' : String(p.replicas);
  return p.reason === '' ? `${p.policy} → ${count}` : `${p.policy} → ${count} (${p.reason})`;
}

/** What the deployer did: "started 2, stopping 1", "error: …", or "nothing" when it was not asked. */
export function actionText(action: DeployerAction): string {
  if (action === null) return 'nothing';
  if ('error' in action) return `error: ${action.error}`;
  const parts = [
    action.started.length > 0 ? `started ${action.started.length}` : '',
    action.stopping.length > 0 ? `stopping ${action.stopping.length}` : '',
  ].filter((part) => part !== '');
  return parts.length === 0 ? 'nothing to change' : parts.join(', ');
}

/** The replicas the deployer acted on, by id, for the title of the action's cell. */
export function actionIds(action: DeployerAction): string {
  if (action === null || 'error' in action) return '';
  return [
    ...action.started.map((id) => `started ${id}`),
    ...action.stopping.map((id) => `stopping ${id}`),
    action.detail,
  ]
    .filter((part) => part !== '')
    .join('; ');
}

export interface DecisionSeries {
  x: number[];
  desired: number[];
  actual: number[];
  /** The backlog each decision saw, null where it had none. */
  backlog: (number | null)[];
}

/** Decisions (newest first, as the API lists them) as the chart's series, oldest first. */
export function decisionSeries(decisions: readonly Decision[]): DecisionSeries {
  const ordered = [...decisions].sort((a, b) => a.at_ms - b.at_ms);
  return {
    x: ordered.map((d) => d.at_ms),
    desired: ordered.map((d) => d.desired),
    actual: ordered.map((d) => d.actual),
    backlog: ordered.map((d) => d.inputs?.[BACKLOG_INPUT]?.value ?? null),
  };
}
