import { useState } from 'preact/hooks';
import { LoadError } from '../../components/figures.tsx';
import { formatPercent, formatTime } from '../../lib/format.ts';
import { usePoll } from '../../lib/use-poll.ts';
import { type AlertSettings, newerSettings, SETTINGS_PATH } from './alert-model.ts';
import { AlertSettingsForm } from './alert-settings-form.tsx';

const pct = (v: number) => formatPercent(v, 1);

/** The settings in effect and where each came from; webhooks as the API shows them, redacted. */
function SettingsFacts({ settings: s }: { settings: AlertSettings }) {
  const channels = s.configured_channels;
  return (
    <dl class="facts" aria-label="Capacity alert settings in effect">
      <dt>Threshold</dt>
      <dd>
        {pct(s.threshold_pct)}{' '}
        <span class="muted">
          {s.threshold_source === 'api'
            ? `(set through the API; the configuration’s is ${pct(s.configuration_threshold_pct)})`
            : '(the configuration’s, capacity.alert_threshold_pct)'}
        </span>
      </dd>
      <dt>Resolves below</dt>
      <dd>{pct(s.resolve_below_pct)}</dd>
      <dt>E-mail</dt>
      <dd>
        {s.notification_email ?? 'none'}
        {s.notification_email !== null && (
          <span class={s.email.deliverable ? 'muted' : 'warn'}>
            {s.email.deliverable ? ' (delivered)' : ` (not delivered: ${s.email.reason ?? 'unknown'})`}
          </span>
        )}
      </dd>
      <dt>Webhooks</dt>
      <dd>
        {s.webhooks.length === 0 && 'none set through the API'}
        {s.webhooks.length > 0 && (
          <ul class="checks">
            {s.webhooks.map((w) => (
              <li key={w.id}>
                <code>{w.url}</code> ({w.format}) <span class="muted">{w.id}</span>
              </li>
            ))}
          </ul>
        )}
      </dd>
      <dt>From the configuration</dt>
      <dd>
        {channels.webhooks} {channels.webhooks === 1 ? 'webhook' : 'webhooks'} (alerts.webhooks),{' '}
        {channels.alertmanager ? 'Alertmanager' : 'no Alertmanager'}
      </dd>
      <dt>Last changed</dt>
      <dd>
        {s.updated_at === null ? 'never' : `${formatTime(s.updated_at)} by ${s.updated_by ?? 'unknown'}`}
      </dd>
    </dl>
  );
}

/**
 * The capacity alert settings in effect, live; for a key that may change them (operators and
 * admins), the form too. The server checks the role whatever is shown.
 */
export function AlertSettingsPanel({ mayChange }: { mayChange: boolean }) {
  const polled = usePoll<AlertSettings>(SETTINGS_PATH, 15_000);
  // The answer to the last save, shown at once rather than at the next poll.
  const [saved, setSaved] = useState<AlertSettings | null>(null);
  const settings = newerSettings(polled.data, saved);

  function onSaved(answer: AlertSettings): void {
    setSaved(answer);
    polled.refresh();
  }

  return (
    <>
      <LoadError error={polled.error} />
      {settings !== undefined && <SettingsFacts settings={settings} />}
      {mayChange && settings !== undefined && <AlertSettingsForm settings={settings} onSaved={onSaved} />}
    </>
  );
}
