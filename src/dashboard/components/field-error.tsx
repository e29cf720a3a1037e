/**
 * What the API said is wrong with one field, beside it; an empty live region otherwise, so a
 * screen reader hears the refusal when it comes.
 */
export function FieldError({ id, text }: { id: string; text: string | undefined }) {
  return (
    <p id={id} class="field-error error" aria-live="polite">
      {text ?? ''}
    </p>
  );
}
