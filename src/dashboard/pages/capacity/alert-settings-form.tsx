import { useState } from 'preact/hooks';
import { FieldError } from '../../components/field-error.tsx';
import { ApiError, request } from '../../lib/api.ts';
import { formatPercent } from '../../lib/format.ts';
import {
  type AlertSettings,
  configureBody,
  type FieldName,
  fieldErrors,
  SETTINGS_PATH,
  type SettingsDraft,
} from './alert-model.ts';
import { WebhookRows } from './webhook-rows.tsx';

const UNTOUCHED: SettingsDraft = { threshold: null, email: null, webhooks: null };

/** The errors left once the fields of `change` are edited; a webhook edit takes back every webhook's. */
function withoutErrorsOf(
  errors: Partial<Record<FieldName, string>>,
  change: Partial<SettingsDraft>,
): Partial<Record<FieldName, string>> {
  return Object.fromEntries(
    Object.entries(errors).filter(
      ([field]) =>
        !(
          ('threshold' in change && field === 'threshold_pct') ||
          ('email' in change && field === 'notification_email') ||
          ('webhooks' in change && field.startsWith('webhooks'))
        ),
    ),
  );
}

/**
 * An operator's form for the capacity alert settings (`POST /sla/capacity/alerts/configure`):
 * the threshold, the e-mail address and the webhooks. Only the fields touched are sent, so a
 * save keeps what it did not change; the API judges the values, and a 400 is shown beside the
 * field it names.
 */
export function AlertSettingsForm({
  settings: s,
  onSaved,
}: {
  settings: AlertSettings;
  onSaved: (answer: AlertSettings) => void;
}) {
  // Null fields follow the polled settings until the operator types.
  const [draft, setDraft] = useState<SettingsDraft>(UNTOUCHED);
  const [errors, setErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [said, setSaid] = useState('');
  const [busy, setBusy] = useState(false);
  const threshold = draft.threshold ?? (s.threshold_source === 'api' ? String(s.threshold_pct) : '');
  const email = draft.email ?? s.notification_email ?? '';

  async function save(event: Event): Promise<void> {
    event.preventDefault();
    setSaid('');
    const body = configureBody(draft);
    if (Object.keys(body).length === 0) {
      setErrors({ form: 'Nothing to save: no field was changed.' });
      return;
    }
    setBusy(true);
    try {
      const answer = await request<AlertSettings>('POST', SETTINGS_PATH, body);
      setDraft(UNTOUCHED);
      setErrors({});
      setSaid(
        `Saved: the threshold is ${formatPercent(answer.threshold_pct, 1)}; the next collection uses the new settings.`,
      );
      onSaved(answer);
    } catch (error) {
      if (error instanceof ApiError && error.status === 400) setErrors(fieldErrors(error.detail));
      else setErrors({ form: `Could not save the settings: ${(error as Error).message}` });
    } finally {
      setBusy(false);
    }
  }

  const text = (event: Event) => (event.currentTarget as HTMLInputElement).value;
  // Editing a field takes back what was said about it: it is judged again at the next save.
  const edit = (change: Partial<SettingsDraft>) => {
    setDraft((d) => ({ ...d, ...change }));
    setErrors((e) => withoutErrorsOf(e, change));
  };
  return (
    <form class="alert-settings" aria-label="Change the capacity alert settings" noValidate onSubmit={save}>
      <h3>Change them</h3>
      <div class="toolbar">
        <div class="field">
          <label>
            Threshold (%)
            <input
              name="threshold_pct"
              inputMode="decimal"
              autocomplete="off"
              value={threshold}
              placeholder={`${s.configuration_threshold_pct} (the configuration’s)`}
              aria-invalid={errors.threshold_pct !== undefined}
              aria-describedby="threshold-hint threshold-error"
              onInput={(event) => edit({ threshold: text(event) })}
            />
          </label>
          <p id="threshold-hint" class="hint">
            Above 0, at most 100; empty for the configuration’s.
          </p>
          <FieldError id="threshold-error" text={errors.threshold_pct} />
        </div>
        <div class="field">
          <label>
            E-mail address
            <input
              name="notification_email"
              type="email"
              autocomplete="off"
              spellcheck={false}
              value={email}
              aria-invalid={errors.notification_email !== undefined}
              aria-describedby="email-hint email-error"
              onInput={(event) => edit({ email: text(event) })}
            />
          </label>
          <p id="email-hint" class="hint">
            Empty for none.
          </p>
          <FieldError id="email-error" text={errors.notification_email} />
        </div>
      </div>
      <WebhookRows
        settings={s}
        rows={draft.webhooks}
        onChange={(webhooks) => edit({ webhooks })}
        errors={errors}
      />
      <div class="actions">
        <button type="submit" disabled={busy}>
          Save the alert settings
        </button>
      </div>
      <p class="notice-ok" role="status">
        {said}
      </p>
      {errors.form !== undefined && (
        <p class="error" role="alert">
          {errors.form}
        </p>
      )}
    </form>
  );
}
