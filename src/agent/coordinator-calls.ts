import type { Answer, SignedClient } from '../node-client/signed-client.ts';
import type { EpochView, InterimReceipt, MonitorAssignment, ReportReceipt } from './coordinator-views.ts';

/** The agent's own calls to the coordinator (docs/design/peer-monitoring-contract.md). */
export interface AgentCalls {
  currentEpoch(): Promise<EpochView>;
  epoch(n: number): Promise<EpochView>;
  /** What this node audits in epoch n; 404 when it is not a member, 409 epoch-not-ready before the seed. */
  assignment(n: number, monitor: string): Promise<MonitorAssignment>;
  /** Sends an interim summary; `body` is sent byte for byte. */
  sendInterim(n: number, body: string, signal?: AbortSignal): Promise<Answer<InterimReceipt>>;
  /** Sends a signed report; `body` is sent byte for byte, so a resend is the identical request body. */
  sendReport(n: number, body: string, signal?: AbortSignal): Promise<Answer<ReportReceipt>>;
}

const epochPath = (n: number) => `/epochs/${encodeURIComponent(String(n))}`;

/** The agent's calls over the node's signed client: reads unsigned, summaries and reports node-signed. */
export function createAgentCalls(client: SignedClient): AgentCalls {
  return {
    currentEpoch: async () => (await client.get<EpochView>('/epochs/current')).body,
    epoch: async (n) => (await client.get<EpochView>(epochPath(n))).body,
    assignment: async (n, monitor) =>
      (
        await client.get<MonitorAssignment>(
          `${epochPath(n)}/assignments?monitor=${encodeURIComponent(monitor)}`,
        )
      ).body,
    sendInterim: (n, body, signal) =>
      client.post<InterimReceipt>(`${epochPath(n)}/interim`, body, { signal }),
    sendReport: (n, body, signal) => client.post<ReportReceipt>(`${epochPath(n)}/reports`, body, { signal }),
  };
}
