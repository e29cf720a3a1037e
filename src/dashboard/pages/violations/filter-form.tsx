import { useEffect, useState } from 'preact/hooks';
import { href, navigate } from '../../shell/router.ts';
import { fragmentQuery, METRIC_LABELS, METRICS, type ViolationFilters } from './filters.ts';

/** A text the user is editing, reset whenever the fragment's value changes under it. */
function useDraft(value: string): [string, (next: string) => void] {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  return [draft, setDraft];
}

function filtersOf(form: HTMLFormElement): ViolationFilters {
  const data = new FormData(form);
  const text = (name: string) => String(data.get(name) ?? '').trim();
  return {
    status: text('status') as ViolationFilters['status'],
    metric: text('metric') as ViolationFilters['metric'],
    severity: text('severity') as ViolationFilters['severity'],
    node: text('node'),
    since: text('since'),
    until: text('until'),
    // A new filter starts from the newest violation again.
    cursor: '',
  };
}

/**
 * The filters, as labelled controls whose values live in the fragment's query: a change
 * replaces the fragment (no history entry per keystroke), so a reload or a shared link shows
 * the same list. Times are entered and shown in UTC, as every time on the dashboard is.
 */
export function FilterForm({ filters }: { filters: ViolationFilters }) {
  const [node, setNode] = useDraft(filters.node);
  const [since, setSince] = useDraft(filters.since);
  const [until, setUntil] = useDraft(filters.until);

  function apply(form: HTMLFormElement | null): void {
    if (form === null) return;
    navigate(href('/violations', fragmentQuery(filtersOf(form))), { replace: true });
  }
  const onChange = (event: Event) => apply((event.currentTarget as HTMLElement).closest('form'));
  const value = (event: Event) => (event.currentTarget as HTMLInputElement).value;

  return (
    <search>
      <form
        class="toolbar"
        aria-label="Filter violations"
        onSubmit={(event) => {
          event.preventDefault();
          apply(event.currentTarget as HTMLFormElement);
        }}
      >
        <label>
          Status
          <select name="status" value={filters.status} onChange={onChange}>
            <option value="">Open and resolved</option>
            <option value="open">Open</option>
            <option value="resolved">Resolved</option>
          </select>
        </label>
        <label>
          Metric
          <select name="metric" value={filters.metric} onChange={onChange}>
            <option value="">Every metric</option>
            {METRICS.map((metric) => (
              <option key={metric} value={metric}>
                {METRIC_LABELS[metric]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Severity
          <select name="severity" value={filters.severity} onChange={onChange}>
            <option value="">Any severity</option>
            <option value="critical">Critical</option>
            <option value="high">High</option>
          </select>
        </label>
        <label>
          Node
          <input
            name="node"
            type="text"
            autocomplete="off"
            spellcheck={false}
            placeholder="node id"
            value={node}
            onInput={(event) => setNode(value(event))}
            onChange={onChange}
          />
        </label>
        <label>
          Opened from (UTC)
          <input
            name="since"
            type="datetime-local"
            value={since}
            onInput={(event) => setSince(value(event))}
            onChange={onChange}
          />
        </label>
        <label>
          Opened before (UTC)
          <input
            name="until"
            type="datetime-local"
            value={until}
            onInput={(event) => setUntil(value(event))}
            onChange={onChange}
          />
        </label>
        <button type="submit">Apply</button>
        <button type="button" onClick={() => navigate(href('/violations'), { replace: true })}>
          Clear filters
        </button>
      </form>
    </search>
  );
}
