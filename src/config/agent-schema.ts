import { z } from 'zod';

// Settings of `vigil agent`, the process on each node that audits its peers (issue 3).
// The network's own parameters (probe interval, timeout, interim period) are not here: every
// agent takes them from the coordinator's epoch, so all monitors of a network probe alike.

const port = z.int().min(0).max(65535);
const positiveInt = z.int().positive();
const httpUrl = z.url({ protocol: /^https?$/ });

const statusCheck = z.strictObject({
  name: z.string().min(1).max(64),
  url: httpUrl,
});

export const agentSchema = z.strictObject({
  coordinator_url: httpUrl
    .default('http://127.0.0.1:8080')
    .describe('Base URL of the coordinator the agent reports to.'),
  node_id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'expected a node id (letters, digits, . _ : -)')
    .nullable()
    .default(null)
    .describe('Node id the agent acts for; null uses the id derived from its key (node-…).'),
  key_path: z
    .string()
    .min(1)
    .default('./data/node.key')
    .describe('The node’s ed25519 private key (PEM, mode 0600); created on first start, never overwritten.'),
  data_dir: z
    .string()
    .min(1)
    .default('./data/agent')
    .describe('Where the agent keeps its probe log and report outbox (SQLite).'),
  host: z.string().min(1).default('127.0.0.1').describe('Address the agent’s /status and /metrics bind to.'),
  port: port.default(9100).describe('Port of the agent’s /status and /metrics; 0 picks a free one.'),
  reference_targets: z
    .array(httpUrl)
    .default(() => [])
    .describe(
      'URLs checked before a failed probe counts as downtime; empty uses the coordinator’s /healthz.',
    ),
  probe_concurrency: positiveInt.default(64).describe('Most probes in flight at once.'),
  probe_jitter_fraction: z
    .number()
    .min(0)
    .max(1)
    .default(0.1)
    .describe('Random shift of each probe, as a share of the probe interval, so probes spread out.'),
  checks: z
    .array(statusCheck)
    .default(() => [])
    .describe('Checks /status reports, beside the Docker socket’s containers: a list of { name, url }.'),
  docker_socket: z
    .string()
    .min(1)
    .nullable()
    .default('/var/run/docker.sock')
    .describe('Docker Engine API socket whose containers /status reports, when it exists; null to skip.'),
  outbox_max_backoff_s: positiveInt
    .default(300)
    .describe('Longest wait between attempts to deliver a report or summary, in seconds.'),
  reports_kept: positiveInt
    .default(12)
    .describe(
      'Accepted or refused epoch reports kept in the log as the record of what was sent; older ones are dropped (12 is a year of 30-day epochs).',
    ),
});
