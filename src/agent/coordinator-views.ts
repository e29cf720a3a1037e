// The coordinator's answers the agent reads, as docs/design/peer-monitoring-contract.md lists them.

/** The network's probe settings for an epoch: every monitor probes alike. */
export interface MonitoringSettings {
  probe_interval_s: number;
  probe_timeout_ms: number;
  interim_period_s: number;
}

/** `GET /epochs/current` and `GET /epochs/{n}`. */
export interface EpochView {
  epoch: number;
  start_ms: number;
  end_ms: number;
  report_window_end_ms: number;
  state: 'open' | 'reporting' | 'settling' | 'settled';
  /** Null until settlement n−1 exists: the agent polls until it is set. */
  seed: string | null;
  members: number | null;
  group_size: number | null;
  monitoring: MonitoringSettings;
}

/** A node of an epoch's member snapshot, with its current endpoint and agent URL. */
export interface EpochMember {
  node_id: string;
  public_key: string;
  endpoint: string | null;
  agent_url: string | null;
}

/** `GET /epochs/{n}/assignments?monitor={id}`: what one node audits. */
export interface MonitorAssignment {
  epoch: number;
  seed: string;
  group_size: number;
  monitor: string;
  targets: EpochMember[];
}

/** `POST /epochs/{n}/reports` accepted the report (201) or had it already (200). */
export interface ReportReceipt {
  epoch: number;
  monitor: string;
  digest: string;
  received_at: string;
}

/** `POST /epochs/{n}/interim` took the summary (202). */
export interface InterimReceipt {
  epoch: number;
  monitor: string;
  probes: number;
}

/** One target's probes in an interim summary: `[at_ms, 1 up | 0 down]`. */
export interface InterimTarget {
  target: string;
  probes: Array<[number, 0 | 1]>;
}

/** The body of `POST /epochs/{n}/interim`. */
export interface InterimSummary {
  monitor: string;
  probe_interval_s: number;
  targets: InterimTarget[];
}
