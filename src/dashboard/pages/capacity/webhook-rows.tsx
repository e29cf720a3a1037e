import { useRef } from 'preact/hooks';
import { FieldError } from '../../components/field-error.tsx';
import type { AlertSettings, FieldName, WebhookFormat, WebhookRow } from './alert-model.ts';

/** A stored webhook as a row of the form: its URL unknown (the API never shows it again). */
export const storedRows = (s: AlertSettings): WebhookRow[] =>
  s.webhooks.map((w) => ({ key: w.id, url: '', format: w.format, was: w.url }));

/**
 * The form's webhooks. Untouched (`rows` null) they are the ones in effect, shown as the API
 * shows them and left out of the save. Once one is added or removed, the save sends the whole
 * list, as the API takes it: a webhook in effect by its id (kept as it is) while its URL is
 * left blank, replaced by the URL typed otherwise.
 */
export function WebhookRows({
  settings,
  rows,
  onChange,
  errors,
}: {
  settings: AlertSettings;
  rows: WebhookRow[] | null;
  onChange: (rows: WebhookRow[] | null) => void;
  errors: Partial<Record<FieldName, string>>;
}) {
  const made = useRef(0);
  const shown = rows ?? storedRows(settings);
  const edit = (change: (list: WebhookRow[]) => WebhookRow[]) => onChange(change(shown));
  const add = () => {
    made.current += 1;
    edit((list) => [...list, { key: `new-${made.current}`, url: '', format: 'json', was: null }]);
  };
  const remove = (key: string) => edit((list) => list.filter((w) => w.key !== key));
  const update = (key: string, patch: Partial<WebhookRow>) =>
    edit((list) => list.map((w) => (w.key === key ? { ...w, ...patch } : w)));
  const kept = rows?.some((w) => w.was !== null) ?? false;

  return (
    <fieldset class="webhooks" aria-describedby="webhooks-error">
      <legend>Webhooks</legend>
      {shown.length === 0 && (
        <p class="hint">
          {rows === null
            ? 'None set through the API.'
            : 'None: saving removes every webhook set through the API.'}
        </p>
      )}
      {kept && (
        <p class="hint">
          A webhook in effect stays as it is while its URL is left blank (the API never shows it again); type
          a URL to replace it.
        </p>
      )}
      <ul class="webhook-rows">
        {shown.map((w, i) => {
          const errorId = `webhook-${w.key}-error`;
          const error = errors[`webhooks[${i}]`];
          if (rows === null)
            return (
              <li key={w.key}>
                <code>{w.was}</code> ({w.format}){' '}
                <button type="button" onClick={() => remove(w.key)}>
                  Remove<span class="visually-hidden"> the webhook at {w.was}</span>
                </button>
              </li>
            );
          return (
            <li key={w.key} class="toolbar">
              <label>
                {w.was === null ? 'URL' : `New URL for the webhook at ${w.was} (blank: keep it)`}
                <input
                  type="url"
                  autocomplete="off"
                  spellcheck={false}
                  value={w.url}
                  placeholder={w.was ?? 'https://hooks.example/…'}
                  aria-invalid={error !== undefined}
                  aria-describedby={errorId}
                  onInput={(event) => update(w.key, { url: (event.currentTarget as HTMLInputElement).value })}
                />
              </label>
              <label>
                Format
                <select
                  value={w.format}
                  onChange={(event) =>
                    update(w.key, {
                      format: (event.currentTarget as HTMLSelectElement).value as WebhookFormat,
                    })
                  }
                >
                  <option value="json">JSON</option>
                  <option value="slack">Slack</option>
                </select>
              </label>
              <button type="button" onClick={() => remove(w.key)}>
                Remove<span class="visually-hidden"> webhook {i + 1}</span>
              </button>
              <FieldError id={errorId} text={error} />
            </li>
          );
        })}
      </ul>
      <div class="actions">
        <button type="button" onClick={add}>
          Add a webhook
        </button>
        {rows !== null && (
          <button type="button" onClick={() => onChange(null)}>
            Keep the webhooks as they are
          </button>
        )}
      </div>
      <FieldError id="webhooks-error" text={errors.webhooks} />
    </fieldset>
  );
}
