/**
 * JSON as the API gives it, in a box that scrolls rather than stretching the page. The box
 * takes keyboard focus so it can be scrolled without a mouse (WCAG 2.1.1), and is named so a
 * screen reader says what it holds.
 */
export function JsonBlock({ text, label }: { text: string; label: string }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box must be reachable by keyboard to be scrolled
    <section class="json" tabIndex={0} aria-label={label}>
      <pre>{text}</pre>
    </section>
  );
}
