import type { ComponentChildren } from 'preact';

/**
 * A table that scrolls sideways when the screen is narrower than it (a phone). The scrolling
 * box takes keyboard focus and carries a name, so someone without a pointer can scroll it with
 * the arrow keys even when the table holds no link (axe: scrollable-region-focusable). A named
 * group, not a region: a page of tables is not a page of landmarks.
 */
export function TableScroll({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box must be reachable by keyboard to be scrolled, whether or not its cells hold a link
    // biome-ignore lint/a11y/useSemanticElements: a fieldset groups form controls; this groups a table with its scrolling
    <div class="table-scroll" role="group" tabIndex={0} aria-label={label}>
      {children}
    </div>
  );
}
