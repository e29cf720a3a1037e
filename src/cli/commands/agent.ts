import { Command } from 'commander';
import { announce } from '../announce.ts';
import { UsageError } from '../exit.ts';
import { configFor, loggerFor } from '../options.ts';
import { untilSignal } from '../signals.ts';

/** Where `--register` reads the API key from; an environment variable keeps it out of `ps`. */
export const AGENT_API_KEY_VAR = 'VIGIL_AGENT_API_KEY';

interface AgentFlags {
  coordinator?: string;
  keyPath?: string;
  dataDir?: string;
  port?: string;
  host?: string;
  nodeId?: string;
  register?: boolean;
  endpoint?: string;
  agentUrl?: string;
}

export function agentCommand(): Command {
  const cmd = new Command('agent')
    .description(
      "run this node's agent: probe the peers it is assigned each epoch, send interim summaries and one signed report per epoch, serve /status and /metrics",
    )
    .option(
      '--coordinator <url>',
      'coordinator base URL (agent.coordinator_url; default http://127.0.0.1:8080)',
    )
    .option('--key-path <file>', "the node's ed25519 key, created on first start (agent.key_path)")
    .option('--data-dir <dir>', 'where the probe log and report outbox live (agent.data_dir)')
    .option('--port <n>', 'port of /status and /metrics; 0 picks one (agent.port; default 9100)')
    .option('--host <address>', 'address of /status and /metrics (agent.host; default 127.0.0.1)')
    .option('--node-id <id>', 'node id to act for (agent.node_id; default derived from the key)')
    .option(
      '--register',
      `register the node if it is not yet (POST /nodes), with the API key in ${AGENT_API_KEY_VAR}`,
    )
    .option('--endpoint <url>', "with --register: the node's health endpoint peers probe")
    .option('--agent-url <url>', 'the URL peers reach this agent at, if not the address it listens on');
  cmd.action(async (opts: AgentFlags) => {
    const config = configFor(cmd, {
      'agent.coordinator_url': opts.coordinator,
      'agent.key_path': opts.keyPath,
      'agent.data_dir': opts.dataDir,
      'agent.port': opts.port,
      'agent.host': opts.host,
      'agent.node_id': opts.nodeId,
    });
    let register: { apiKey: string; endpoint: string | null } | null = null;
    if (opts.register) {
      const apiKey = process.env[AGENT_API_KEY_VAR];
      if (!apiKey)
        throw new UsageError(
          `--register needs an API key with the node or operator role in ${AGENT_API_KEY_VAR}`,
        );
      register = { apiKey, endpoint: opts.endpoint ?? null };
    } else if (opts.endpoint !== undefined) {
      throw new UsageError('--endpoint is only used with --register');
    }
    const log = loggerFor(config);
    // Listening first: a SIGTERM that comes while the agent starts still closes it cleanly.
    const signalled = untilSignal();
    const { agentOptionsFromConfig, startAgent } = await import('../../agent/agent.ts');
    const agent = await startAgent({
      ...agentOptionsFromConfig(config.agent),
      register,
      agentUrl: opts.agentUrl ?? null,
      log,
      defaultMetrics: true,
    });
    const backUp = 'back it up: a node that loses its key can no longer sign for itself';
    // As the worker says it: a warning a pipeline can alert on, not a line among the others.
    if (agent.keyCreated && config.log_format === 'json')
      log.warn({ key_path: agent.keyPath }, `created a node key; ${backUp}`);
    announce(config.log_format, log, {
      msg: 'agent started',
      fields: {
        node_id: agent.nodeId,
        public_key: agent.publicKey,
        key_path: agent.keyPath,
        key_created: agent.keyCreated,
        status_url: `${agent.url}/status`,
      },
      text: [
        `${agent.keyCreated ? 'created' : 'found'} node key ${agent.keyPath}`,
        ...(agent.keyCreated ? [backUp] : []),
        `node id     ${agent.nodeId}`,
        `public key  ${agent.publicKey}`,
        `status      ${agent.url}/status`,
        '',
      ].join('\n'),
    });
    await signalled;
    log.info({}, 'shutting down');
    await agent.close();
  });
  return cmd;
}
