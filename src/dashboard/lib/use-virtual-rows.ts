import {
  elementScroll,
  observeElementOffset,
  observeElementRect,
  Virtualizer,
  type VirtualizerOptions,
} from '@tanstack/virtual-core';
import type { RefObject } from 'preact';
import { useLayoutEffect, useReducer, useRef } from 'preact/hooks';

/**
 * TanStack's framework-free virtualizer bound to Preact: only the rows in view (plus
 * `overscan`) are rendered, so a table of 10,000 nodes costs what a screenful costs.
 * Rows have a fixed height, so nothing is measured while scrolling.
 */
export function useVirtualRows({
  count,
  scrollRef,
  rowHeight,
  overscan = 4,
}: {
  count: number;
  scrollRef: RefObject<HTMLElement | null>;
  rowHeight: number;
  overscan?: number;
}): Virtualizer<HTMLElement, Element> {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const options: VirtualizerOptions<HTMLElement, Element> = {
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan,
    scrollToFn: elementScroll,
    observeElementRect,
    observeElementOffset,
    onChange: () => rerender(undefined),
  };
  const virtualizer = useRef<Virtualizer<HTMLElement, Element> | null>(null);
  if (virtualizer.current === null) virtualizer.current = new Virtualizer(options);
  else virtualizer.current.setOptions(options);
  const instance = virtualizer.current;
  useLayoutEffect(() => instance._didMount(), [instance]);
  useLayoutEffect(() => {
    instance._willUpdate();
  });
  return instance;
}
