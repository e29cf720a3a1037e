import { LoadError, Panel } from '../../components/figures.tsx';
import { getLinkedPage, type LinkedPage } from '../../lib/api.ts';
import { usePoll } from '../../lib/use-poll.ts';
import type { PageProps } from '../../shell/page.ts';
import { href } from '../../shell/router.ts';
import { FilterForm } from './filter-form.tsx';
import {
  cursorOf,
  filtered,
  filtersFrom,
  fragmentQuery,
  type ViolationFilters,
  violationsPath,
} from './filters.ts';
import { type Violation, ViolationsTable } from './violations-table.tsx';

function Pager({ filters, next }: { filters: ViolationFilters; next: string | null }) {
  const cursor = cursorOf(next);
  if (filters.cursor === '' && cursor === null) return null;
  return (
    <nav class="pager" aria-label="Violation pages">
      {filters.cursor !== '' && (
        <a href={href('/violations', fragmentQuery({ ...filters, cursor: '' }))}>Newest</a>
      )}
      {cursor !== null && (
        <a href={href('/violations', fragmentQuery({ ...filters, cursor }))} rel="next">
          Next page
        </a>
      )}
    </nav>
  );
}

/** Open and resolved violations, newest first, filtered by the fragment's query, live. */
export default function Violations({ query }: PageProps) {
  const filters = filtersFrom(query);
  const page = usePoll<LinkedPage<Violation>>(violationsPath(filters), 5_000, getLinkedPage);
  const items = page.data?.items ?? [];

  return (
    <>
      <h1 tabIndex={-1}>Violations</h1>
      <FilterForm filters={filters} />
      <Panel title={filters.cursor === '' ? 'Newest first' : 'Older violations'} id="violations">
        <LoadError error={page.error} />
        {page.data !== undefined && items.length === 0 && (
          <p>{filtered(filters) ? 'No violation matches these filters.' : 'No violations yet.'}</p>
        )}
        {items.length > 0 && (
          <ViolationsTable
            items={items}
            caption={`Violations${filtered(filters) ? ' matching the filters' : ''}, newest first`}
          />
        )}
        {page.data !== undefined && <Pager filters={filters} next={page.data.next} />}
      </Panel>
    </>
  );
}
