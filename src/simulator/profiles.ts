/**
 * How a simulated node misbehaves. Faults come in phases so that violations open and then
 * resolve: a faulty node is bad for `badMs` at the start of every `periodMs`, with its own
 * offset so the fleet's troubles are spread out in time.
 */
export type Fault = 'healthy' | 'flapping' | 'slow' | 'failing';

export interface NodeProfile {
  nodeId: string;
  fault: Fault;
  maxParallel: number;
  offsetMs: number;
}

export interface FaultSchedule {
  periodMs: number;
  badMs: number;
}

/** A deterministic pseudo-random source (mulberry32), so a seed reproduces a fleet. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 70 % healthy, 10 % each flapping, slow and failing (at least one of each when there are 4+ nodes). */
export function fleetProfiles(count: number, schedule: FaultSchedule, random: () => number): NodeProfile[] {
  const faulty = Math.max(count >= 4 ? 1 : 0, Math.round(count * 0.1));
  const faults: Fault[] = [];
  for (const fault of ['flapping', 'slow', 'failing'] as const)
    for (let i = 0; i < faulty; i++) faults.push(fault);
  while (faults.length < count) faults.push('healthy');
  return faults.slice(0, count).map((fault, i) => ({
    nodeId: `sim-${String(i + 1).padStart(3, '0')}`,
    fault,
    maxParallel: 2 + Math.floor(random() * 7),
    offsetMs: Math.floor(random() * schedule.periodMs),
  }));
}

export function isBad(profile: NodeProfile, schedule: FaultSchedule, elapsedMs: number): boolean {
  if (profile.fault === 'healthy') return false;
  return (elapsedMs + profile.offsetMs) % schedule.periodMs < schedule.badMs;
}

/** A job's duration: slow nodes take 1.5–3 s while bad, everyone else 50–600 ms. */
export function jobDurationMs(profile: NodeProfile, bad: boolean, random: () => number): number {
  if (bad && profile.fault === 'slow') return 1500 + Math.floor(random() * 1500);
  return 50 + Math.floor(random() * 550);
}

/** Failing nodes fail half their jobs while bad; everyone fails 1 %. */
export function jobSucceeds(profile: NodeProfile, bad: boolean, random: () => number): boolean {
  return random() >= (bad && profile.fault === 'failing' ? 0.5 : 0.01);
}
