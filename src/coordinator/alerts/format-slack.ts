import type { AlertEvent } from './events.ts';
import { eventLine } from './wording.ts';

export interface SlackTextObject {
  type: 'mrkdwn' | 'plain_text';
  text: string;
}

export type SlackBlock =
  | { type: 'section'; text: SlackTextObject }
  | { type: 'context'; elements: SlackTextObject[] };

/** An incoming-webhook message: `text` alone is enough for Slack-compatible chats; blocks add layout in Slack. */
export interface SlackBody {
  text: string;
  blocks?: SlackBlock[];
}

// Slack allows 50 blocks per message and truncates long text; a fleet-wide outage can open
// thousands of violations at once, and a person needs the first few and the count.
const MAX_LINES = 40;

const ICON: Record<AlertEvent['kind'], (e: AlertEvent) => string> = {
  violation_opened: (e) => (e.severity === 'critical' ? ':red_circle:' : ':large_orange_circle:'),
  violation_escalated: () => ':red_circle:',
  violation_resolved: () => ':white_check_mark:',
};

/** Slack's three control characters; node ids and subjects come from operators. */
function escapeSlack(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

export function formatSlack(events: readonly AlertEvent[]): SlackBody {
  const shown = events.slice(0, MAX_LINES);
  const more = events.length - shown.length;
  const lines = shown.map((e) => escapeSlack(eventLine(e)));
  const moreLine = more > 0 ? `…and ${more} more` : null;

  const heading = events.length === 1 ? [] : [`Vigil: ${events.length} SLA alerts`];
  const text = [...heading, ...lines, ...(moreLine === null ? [] : [moreLine])].join('\n');

  const blocks: SlackBlock[] = shown.map((e, i) => ({
    type: 'section',
    text: { type: 'mrkdwn', text: `${ICON[e.kind](e)} ${lines[i]}` },
  }));
  const context = moreLine === null ? 'Vigil SLA monitoring' : `Vigil SLA monitoring · ${moreLine}`;
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: context }] });
  return { text, blocks };
}
