export { probeHttp } from './http.ts';
export { createProbeAgents, type HttpAnswer, httpGet } from './http-get.ts';
export {
  createReferenceGate,
  DEFAULT_REFERENCE_CACHE_MS,
  type ReferenceGate,
  type ReferenceGateOptions,
} from './reference.ts';
export { probeStatus, probeStatusAt, statusUrlOf } from './status.ts';
export { planTarget, probeTarget, type TargetPlan } from './target.ts';
export { probeTcp, tcpAddressOf } from './tcp.ts';
export {
  ALL_PROBE_KINDS,
  type ProbeAgents,
  type ProbeKind,
  type ProbeResult,
  type ProbeTarget,
} from './types.ts';
