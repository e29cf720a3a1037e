import { useEffect, useRef } from 'preact/hooks';
import { query } from '../../lib/api.ts';
import { formatDuration, formatTime } from '../../lib/format.ts';
import { usePoll } from '../../lib/use-poll.ts';

interface Evidence {
  from: string;
  slice_s: number;
  slices: number;
  heartbeats: string;
  peers: string;
}

const PEER_COLOURS: Record<string, string> = { u: '#29a36a', d: '#d93025', m: '#e8a317' };

/** Counts of each kind of evidence, for the strip's text summary. */
export function summarizeEvidence(e: Pick<Evidence, 'heartbeats' | 'peers'>) {
  const count = (text: string, c: string) => text.split(c).length - 1;
  return {
    heartbeats: count(e.heartbeats, '1'),
    up: count(e.peers, 'u'),
    down: count(e.peers, 'd'),
    mixed: count(e.peers, 'm'),
    slices: e.heartbeats.length,
  };
}

/**
 * The evidence behind the node's uptime, slice by slice (GET /sla/evidence): a row for its
 * heartbeats and a row for its monitors' verdicts, drawn on a canvas and summed up in text.
 */
export function UptimeStrip({ nodeId }: { nodeId: string }) {
  const evidence = usePoll<Evidence>(
    `/sla/evidence/${encodeURIComponent(nodeId)}${query({ hours: 24 })}`,
    15_000,
  );
  const canvas = useRef<HTMLCanvasElement>(null);
  const data = evidence.data;

  useEffect(() => {
    const element = canvas.current;
    if (element === null || data === undefined) return;
    const width = element.clientWidth || 600;
    const ratio = window.devicePixelRatio || 1;
    element.width = Math.round(width * ratio);
    element.height = Math.round(36 * ratio);
    const g = element.getContext('2d');
    if (g === null) return;
    g.scale(ratio, ratio);
    g.clearRect(0, 0, width, 36);
    const w = width / Math.max(1, data.slices);
    for (let i = 0; i < data.slices; i++) {
      g.fillStyle = data.heartbeats[i] === '1' ? '#2f7ed8' : 'rgba(128,128,128,0.25)';
      g.fillRect(i * w, 2, Math.max(1, w - (w > 3 ? 1 : 0)), 14);
      const colour = PEER_COLOURS[data.peers[i] ?? '.'];
      if (colour !== undefined) {
        g.fillStyle = colour;
        g.fillRect(i * w, 20, Math.max(1, w - (w > 3 ? 1 : 0)), 14);
      }
    }
  }, [data]);

  if (data === undefined)
    return evidence.error ? <p class="error">{evidence.error.message}</p> : <p>Loading…</p>;
  const s = summarizeEvidence(data);
  const span = formatDuration(data.slices * data.slice_s * 1000);
  return (
    <figure class="chart">
      <figcaption>
        Evidence per {formatDuration(data.slice_s * 1000)} slice since {formatTime(data.from)}: top row
        heartbeats (blue), bottom row the monitors’ verdicts (green up, red down, amber split).
      </figcaption>
      <canvas
        ref={canvas}
        class="strip"
        role="img"
        aria-label={`Over ${span}, ${s.heartbeats} of ${s.slices} slices had a heartbeat; monitors saw ${s.up} slices up, ${s.down} down and ${s.mixed} split.`}
      />
    </figure>
  );
}
