import { useState } from 'preact/hooks';
import { LoadError } from '../../components/figures.tsx';
import { TableScroll } from '../../components/table-scroll.tsx';
import { usePoll } from '../../lib/use-poll.ts';

interface Setting {
  key: string;
  value: unknown;
  source: string;
  origin: string;
  env: string;
}

/** A value as the configuration file would write it. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/**
 * The coordinator's effective configuration (GET /config): every key, its value with secrets
 * redacted, and where it came from (default, file, environment, flag), filterable by key
 * and by source.
 */
export default function Configuration() {
  const config = usePoll<{ settings: Setting[] }>('/config', 60_000);
  const [filter, setFilter] = useState('');
  const [changedOnly, setChangedOnly] = useState(false);
  const settings = (config.data?.settings ?? []).filter(
    (s) => s.key.includes(filter.trim()) && (!changedOnly || s.source !== 'default'),
  );
  return (
    <>
      <h1 tabIndex={-1}>Configuration</h1>
      <p>What this coordinator runs with, secrets redacted, and where each value came from.</p>
      <LoadError error={config.error} />
      <form class="toolbar" onSubmit={(event) => event.preventDefault()}>
        <label>
          Key
          <input
            type="search"
            value={filter}
            placeholder="sla.thresholds"
            onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
          />
        </label>
        <label class="inline">
          <input
            type="checkbox"
            checked={changedOnly}
            onChange={(e) => setChangedOnly((e.target as HTMLInputElement).checked)}
          />
          Only values that are not defaults
        </label>
        <p class="count" role="status" aria-live="polite">
          {config.data === undefined
            ? 'Loading…'
            : `${settings.length} of ${config.data.settings.length} keys`}
        </p>
      </form>
      <TableScroll label="Effective configuration">
        <table>
          <caption class="visually-hidden">Effective configuration</caption>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Value</th>
              <th scope="col">From</th>
              <th scope="col">Environment variable</th>
            </tr>
          </thead>
          <tbody>
            {settings.map((s) => (
              <tr key={s.key}>
                <th scope="row">
                  <code>{s.key}</code>
                </th>
                <td>
                  <code>{showValue(s.value)}</code>
                </td>
                <td class={s.source === 'default' ? undefined : 'changed'}>
                  {s.source === 'default' ? 'default' : s.origin}
                </td>
                <td>
                  <code>{s.env}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </>
  );
}
