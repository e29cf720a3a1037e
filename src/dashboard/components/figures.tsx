import type { ComponentChildren } from 'preact';

/** A labelled figure in a row of them: "Open violations 4". */
export function Figure({
  label,
  value,
  tone,
}: {
  label: string;
  value: ComponentChildren;
  tone?: 'good' | 'warn' | 'bad';
}) {
  return (
    <div class={`figure ${tone ?? ''}`}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

export function Figures({ children, label }: { children: ComponentChildren; label: string }) {
  return (
    <dl class="figures" aria-label={label}>
      {children}
    </dl>
  );
}

/** A section of a page with its heading. */
export function Panel({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  const headingId = `${id ?? title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-heading`;
  return (
    <section class="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      {children}
    </section>
  );
}

/** What a poll's error looks like on a page: said, not thrown. */
export function LoadError({ error }: { error: Error | undefined }) {
  if (error === undefined) return null;
  return (
    <p class="error" role="alert">
      {error.message}
    </p>
  );
}
