import type { FunctionComponent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { PageDefinition, PageProps } from './page.ts';
import { matchPath } from './router.ts';
import type { Identity } from './session.ts';

const loaded = new Map<PageDefinition, FunctionComponent<PageProps>>();

export function findPage(
  pages: readonly PageDefinition[],
  path: string,
): { page: PageDefinition; params: Record<string, string> } | null {
  for (const page of pages) {
    const params = matchPath(page.path, path);
    if (params !== null) return { page, params };
  }
  return null;
}

/**
 * The page the fragment names, loaded on first visit. Moving to another page moves focus to
 * its heading, so a screen reader announces where the user arrived. The page the browser
 * opened leaves focus at the document's start, so the first Tab reaches "Skip to content"
 * (the browser announces a loaded document itself); after signing in, focus goes to the heading
 * too (`focusFirst`), as the form that had it is gone.
 */
export function Outlet({
  pages,
  path,
  query,
  who,
  focusFirst,
}: {
  pages: readonly PageDefinition[];
  path: string;
  query: URLSearchParams;
  who: Identity;
  focusFirst: boolean;
}) {
  const found = findPage(pages, path);
  const [, setVersion] = useState(0);
  const [failed, setFailed] = useState<string | null>(null);
  const main = useRef<HTMLElement>(null);
  // The path opened with the document, until the user moves elsewhere.
  const opened = useRef<string | null>(focusFirst ? null : path);
  const Component = found === null ? undefined : loaded.get(found.page);

  useEffect(() => {
    if (found === null || Component !== undefined) return;
    let live = true;
    found.page
      .load()
      .then((module) => {
        loaded.set(found.page, module.default);
        if (live) setVersion((n) => n + 1);
      })
      .catch((error: unknown) => live && setFailed(String(error)));
    return () => {
      live = false;
    };
  }, [found?.page, Component]);

  useEffect(() => {
    document.title = found === null ? 'Not found · Vigil' : `${found.page.title} · Vigil`;
    if (opened.current === path) return;
    opened.current = null;
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [path, Component]);

  let body: preact.ComponentChildren;
  if (found === null) {
    body = (
      <>
        <h1 tabIndex={-1}>Not found</h1>
        <p>
          There is no page at <code>{path}</code>. <a href="#/">Go to the overview</a>.
        </p>
      </>
    );
  } else if (found.page.roles !== undefined && !found.page.roles.includes(who.role) && who.role !== 'admin') {
    body = (
      <>
        <h1 tabIndex={-1}>{found.page.title}</h1>
        <p>A key with role {who.role} cannot open this page.</p>
      </>
    );
  } else if (failed !== null) {
    body = (
      <>
        <h1 tabIndex={-1}>{found.page.title}</h1>
        <p class="error" role="alert">
          The page could not be loaded: {failed}
        </p>
      </>
    );
  } else if (Component === undefined) {
    body = <p aria-busy="true">Loading…</p>;
  } else {
    body = <Component params={found.params} query={query} who={who} />;
  }
  return (
    <main id="main" ref={main}>
      {body}
    </main>
  );
}
