import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { PageHeader } from '../../components/PageHeader';
import { Button } from '../../components/Button';
import { SelectField } from '../../components/Field';
import { Icon } from '../../components/Icon';
import { Pagination } from '../../components/Pagination';
import { SkeletonRows } from '../../components/Skeleton';
import { EmptyState, ErrorState } from '../../components/States';
import { canWrite, useUser } from '../../lib/auth';
import { DOCUMENTS_PAGE_SIZE, useDealOptions, useDocuments } from './api';
import type { DocumentFilters } from './api';
import { NewDocumentDialog } from './NewDocumentDialog';
import { AccessBadge, RelativeTime } from './parts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The filters live in the address (?deal=…&archived=1&page=2), so they survive reloads and links. */
export function filtersFrom(params: URLSearchParams): DocumentFilters {
  const deal = params.get('deal');
  const page = Number(params.get('page'));
  return {
    dealId: deal && UUID.test(deal) ? deal : null,
    archived: params.get('archived') === '1',
    page: Number.isInteger(page) && page > 0 ? page : 1,
  };
}

export default function DocumentsPage() {
  const user = useUser();
  const [params, setParams] = useSearchParams();
  const filters = filtersFrom(params);
  const q = useDocuments(filters);
  const deals = useDealOptions();
  const [creating, setCreating] = useState(false);
  // The controls show a change at once; the address (updated in a transition) follows.
  const [dealUi, setDealUi] = useState(filters.dealId ?? '');
  const [archivedUi, setArchivedUi] = useState(filters.archived);
  useEffect(() => setDealUi(filters.dealId ?? ''), [filters.dealId]);
  useEffect(() => setArchivedUi(filters.archived), [filters.archived]);
  const dealName = (id: string | null) => (id ? deals.data?.find((d) => d.id === id)?.name : undefined);

  const setFilter = (change: { deal?: string | null; archived?: boolean; page?: number }) => {
    const next = new URLSearchParams(params);
    if (change.deal !== undefined) {
      if (change.deal) next.set('deal', change.deal);
      else next.delete('deal');
    }
    if (change.archived !== undefined) {
      if (change.archived) next.set('archived', '1');
      else next.delete('archived');
    }
    if (change.page !== undefined && change.page > 1) next.set('page', String(change.page));
    else next.delete('page');
    setParams(next, { replace: change.page === undefined });
  };

  const filtered = filters.dealId !== null || filters.archived;

  let content;
  if (q.isPending) {
    content = (
      <div className="card">
        <SkeletonRows rows={6} columns={4} label="Loading the documents" />
      </div>
    );
  } else if (q.isError) {
    content = <ErrorState error={q.error} onRetry={() => void q.refetch()} title="The documents could not be loaded" />;
  } else if (q.data.items.length === 0) {
    content = filtered ? (
      <EmptyState
        title={filters.archived ? 'No archived documents' : 'No documents match these filters'}
        action={
          <Button onClick={() => setFilter({ deal: null, archived: false })}>Clear the filters</Button>
        }
      />
    ) : (
      <EmptyState
        title="No documents yet"
        action={
          canWrite(user) ? (
            <Button variant="primary" onClick={() => setCreating(true)}>
              <Icon name="plus" size={16} /> New document
            </Button>
          ) : undefined
        }
      >
        <p>Documents shared with you appear here.</p>
      </EmptyState>
    );
  } else {
    content = (
      <>
        <div className="table-wrap table-cards docs-table" aria-busy={q.isFetching || undefined}>
          <table>
            <caption className="visually-hidden">
              {filters.archived ? 'Archived documents' : 'Documents'} you may open
            </caption>
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">Deal</th>
                <th scope="col">Your access</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {q.data.items.map((d) => (
                <tr key={d.id}>
                  <td data-label="Title" className="docs-title">
                    <Link to={`/documents/${d.id}`}>{d.title}</Link>
                  </td>
                  <td data-label="Deal">
                    {d.deal_id ? (
                      <Link to={`/deals/${d.deal_id}`} className="muted-link">
                        {dealName(d.deal_id) ?? 'Deal'}
                      </Link>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td data-label="Your access">
                    <AccessBadge level={d.permission} />
                  </td>
                  <td data-label="Updated">
                    <RelativeTime iso={d.updated_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <Pagination
          page={filters.page}
          pageSize={DOCUMENTS_PAGE_SIZE}
          total={q.data.total}
          totalExact={q.data.total_exact ?? true}
          {...(q.data.next_cursor !== undefined ? { hasNext: q.data.next_cursor !== null } : {})}
          items={q.data.items.length}
          onPage={(p) => setFilter({ page: p })}
          label="Documents pages"
        />
      </>
    );
  }

  return (
    <section>
      <PageHeader
        title="Documents"
        actions={
          canWrite(user) ? (
            <Button variant="primary" onClick={() => setCreating(true)}>
              <Icon name="plus" size={16} /> New document
            </Button>
          ) : null
        }
      >
        The documents you may open, with your access to each.
      </PageHeader>
      <div className="toolbar" role="group" aria-label="Filters">
        <SelectField
          label="Deal"
          value={dealUi}
          onChange={(e) => {
            setDealUi(e.target.value);
            setFilter({ deal: e.target.value || null });
          }}
          options={[
            { value: '', label: 'All deals' },
            ...(deals.data ?? []).map((d) => ({ value: d.id, label: d.name })),
            ...(filters.dealId && deals.data && !deals.data.some((d) => d.id === filters.dealId)
              ? [{ value: filters.dealId, label: 'The chosen deal' }]
              : []),
          ]}
        />
        <label className="check">
          <input
            type="checkbox"
            checked={archivedUi}
            onChange={(e) => {
              setArchivedUi(e.target.checked);
              setFilter({ archived: e.target.checked });
            }}
          />
          Show archived
        </label>
      </div>
      {content}
      <NewDocumentDialog open={creating} onOpenChange={setCreating} defaultDealId={filters.dealId} />
    </section>
  );
}
