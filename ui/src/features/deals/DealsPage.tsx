// The deals list: search, stage filter, archived toggle, sort and pagination, all kept in
// the URL query; bulk archive / unarchive / delete for editors; the New deal dialog.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { canWrite, useUser } from '../../lib/auth';
import { DEAL_STAGES } from '../../lib/enums';
import { formatDate, formatMoney } from '../../lib/format';
import type { Deal } from '../../lib/types';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { SelectField, TextField } from '../../components/Field';
import { Icon } from '../../components/Icon';
import { PageHeader } from '../../components/PageHeader';
import { Pagination } from '../../components/Pagination';
import { SkeletonRows } from '../../components/Skeleton';
import { EmptyState, ErrorState } from '../../components/States';
import { useDeals } from './api';
import { BULK_LABELS, dealCount, useBulkDeals } from './bulk';
import type { BulkAction } from './bulk';
import { DealFormDialog } from './DealFormDialog';
import { StageBadge } from './StageBadge';
import {
  PAGE_SIZES,
  hasFilters,
  nextSort,
  parseView,
  sortDirection,
  updateView,
  viewToParams,
} from './urlState';
import type { DealListView, DealSort, DealSortField } from './urlState';

const SEARCH_DEBOUNCE_MS = 300;

const SORT_OPTIONS: readonly { value: DealSort; label: string }[] = [
  { value: '-created_at', label: 'Newest first' },
  { value: 'created_at', label: 'Oldest first' },
  { value: 'name', label: 'Name A–Z' },
  { value: '-name', label: 'Name Z–A' },
  { value: '-value', label: 'Value, highest first' },
  { value: 'value', label: 'Value, lowest first' },
];

function SortHeader({
  field,
  label,
  sort,
  onSort,
  className,
}: {
  field: DealSortField;
  label: string;
  sort: DealSort;
  onSort: (s: DealSort) => void;
  className?: string;
}) {
  const dir = sortDirection(sort, field);
  return (
    <th scope="col" aria-sort={dir} className={className}>
      <button type="button" className="sort-btn" onClick={() => onSort(nextSort(sort, field))}>
        {label}
        <span aria-hidden="true" className="deals-sort-mark">
          {dir === 'ascending' ? '▲' : dir === 'descending' ? '▼' : '↕'}
        </span>
        <span className="visually-hidden">
          {dir === 'none' ? ', sort' : dir === 'ascending' ? ', sorted ascending' : ', sorted descending'}
        </span>
      </button>
    </th>
  );
}

export default function DealsPage() {
  const user = useUser();
  const editor = canWrite(user);
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const view = useMemo(() => parseView(params), [params]);

  const setView = useCallback(
    (change: Partial<DealListView>, replace = false) => {
      setParams(viewToParams(updateView(parseView(params), change)), { replace });
    },
    [params, setParams],
  );

  // The toolbar shows a change at once; the URL (and so `view`) follows in the router's
  // transition a moment later.
  const [shown, setShown] = useState(view);
  useEffect(() => setShown(view), [view]);
  const change = (c: Partial<DealListView>) => {
    setShown((v) => updateView(v, c));
    setView(c);
  };

  // Search: typed text goes to the URL after a pause; a URL changed from outside
  // (Clear filters, back button) comes back into the box.
  const [text, setText] = useState(view.q);
  const pushed = useRef(view.q);
  useEffect(() => {
    if (view.q !== pushed.current) {
      pushed.current = view.q;
      setText(view.q);
    }
  }, [view.q]);
  useEffect(() => {
    if (text === pushed.current) return;
    const t = setTimeout(() => {
      pushed.current = text;
      setView({ q: text }, true);
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [text, setView]);

  const query = useDeals(view);
  const data = query.data;
  const items = data?.items ?? [];

  // A page past the end (after deletions, or an old link): go to the last page.
  useEffect(() => {
    if (data && !query.isPlaceholderData && data.items.length === 0 && data.total > 0) {
      setView({ page: Math.max(1, Math.ceil(data.total / view.pageSize)) }, true);
    }
  }, [data, query.isPlaceholderData, view.pageSize, setView]);

  // Selection: ids of this page's rows; a new view starts with none.
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const viewKey = params.toString();
  useEffect(() => setSelected(new Set()), [viewKey]);
  const selectedHere = items.filter((d) => selected.has(d.id));
  const allSelected = items.length > 0 && selectedHere.length === items.length;
  const someSelected = selectedHere.length > 0 && !allSelected;
  const selectAllRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (selectAllRef.current) selectAllRef.current.indeterminate = someSelected;
  }, [someSelected]);

  const toggle = (id: string, on: boolean) =>
    setSelected((s) => {
      const n = new Set(s);
      if (on) n.add(id);
      else n.delete(id);
      return n;
    });
  const toggleAll = (on: boolean) => setSelected(on ? new Set(items.map((d) => d.id)) : new Set());

  const bulk = useBulkDeals(() => setSelected(new Set()));
  // The rows a delete was asked for, fixed while the confirmation is open.
  const [toDelete, setToDelete] = useState<readonly Deal[] | null>(null);
  const runBulk = (action: BulkAction, rows: readonly Deal[] = selectedHere) =>
    bulk.mutateAsync({ action, ids: rows.map((d) => d.id) });

  const [creating, setCreating] = useState(false);
  const filtered = hasFilters(view);
  const clearFilters = () => {
    pushed.current = '';
    setText('');
    setView({ q: '', stage: '', archived: false });
  };

  const columns = editor ? 6 : 5;

  return (
    <div className="deals-page">
      <PageHeader
        title="Deals"
        actions={
          editor ? (
            <Button variant="primary" onClick={() => setCreating(true)}>
              <Icon name="plus" size={16} /> New deal
            </Button>
          ) : null
        }
      >
        {view.archived ? 'Archived deals' : 'Deals in your organization’s pipeline'}
      </PageHeader>
      <div className="toolbar deals-toolbar" role="search" aria-label="Filter deals">
        <TextField
          label="Search deals"
          type="search"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="Name or target company"
          maxLength={200}
          className="deals-search"
        />
        <SelectField
          label="Stage"
          value={shown.stage}
          onChange={(e) => change({ stage: e.target.value as DealListView['stage'] })}
          options={[{ value: '', label: 'All stages' }, ...DEAL_STAGES]}
        />
        <SelectField
          label="Sort by"
          value={shown.sort}
          onChange={(e) => change({ sort: e.target.value as DealSort })}
          options={SORT_OPTIONS}
        />
        <label className="check">
          <input type="checkbox" checked={shown.archived} onChange={(e) => change({ archived: e.target.checked })} />
          Show archived
        </label>
      </div>

      {editor && selectedHere.length > 0 ? (
        <div className="bulkbar" role="region" aria-label="Bulk actions">
          <span className="deals-bulk-count" aria-live="polite">
            {dealCount(selectedHere.length)} selected
          </span>
          {view.archived ? (
            <Button size="sm" busy={bulk.isPending && bulk.variables?.action === 'unarchive'} onClick={() => void runBulk('unarchive').catch(() => undefined)}>
              {BULK_LABELS.unarchive.button}
            </Button>
          ) : (
            <Button size="sm" busy={bulk.isPending && bulk.variables?.action === 'archive'} onClick={() => void runBulk('archive').catch(() => undefined)}>
              {BULK_LABELS.archive.button}
            </Button>
          )}
          <Button size="sm" variant="danger" disabled={bulk.isPending} onClick={() => setToDelete(selectedHere)}>
            {BULK_LABELS.delete.button}
          </Button>
          <Button size="sm" variant="ghost" onClick={() => setSelected(new Set())}>
            Clear selection
          </Button>
        </div>
      ) : null}

      {query.isPending ? (
        <SkeletonRows rows={6} columns={columns} label="Loading deals" />
      ) : query.isError && !data ? (
        <ErrorState error={query.error} onRetry={() => void query.refetch()} title="The deals could not be loaded" />
      ) : items.length === 0 ? (
        filtered ? (
          <EmptyState title="No deals match these filters" action={<Button onClick={clearFilters}>Clear filters</Button>}>
            <p>Try another search or stage{view.archived ? ', or look at current deals instead of archived ones' : ''}.</p>
          </EmptyState>
        ) : (
          <EmptyState
            title="No deals yet"
            action={
              editor ? (
                <Button variant="primary" onClick={() => setCreating(true)}>
                  <Icon name="plus" size={16} /> New deal
                </Button>
              ) : null
            }
          >
            <p>{editor ? 'Create the first deal of your pipeline.' : 'Deals your colleagues create appear here.'}</p>
          </EmptyState>
        )
      ) : (
        <>
          {query.isError ? (
            <ErrorState error={query.error} onRetry={() => void query.refetch()} title="The deals could not be refreshed" />
          ) : null}
          <div className={`table-wrap deals-table-wrap${query.isPlaceholderData ? ' deals-stale' : ''}`}>
            <table className="deals-table" aria-busy={query.isFetching || undefined}>
              <caption className="visually-hidden">
                {view.archived ? 'Archived deals' : 'Deals'}, page {view.page}
              </caption>
              <thead>
                <tr>
                  {editor ? (
                    <th scope="col" className="deals-check">
                      <input
                        ref={selectAllRef}
                        type="checkbox"
                        aria-label="Select all deals on this page"
                        checked={allSelected}
                        onChange={(e) => toggleAll(e.target.checked)}
                      />
                    </th>
                  ) : null}
                  <SortHeader field="name" label="Name" sort={view.sort} onSort={(s) => setView({ sort: s })} />
                  <th scope="col" className="hide-phone">
                    Target company
                  </th>
                  <th scope="col" className="hide-phone">
                    Stage
                  </th>
                  <SortHeader field="value" label="Value" sort={view.sort} onSort={(s) => setView({ sort: s })} className="num" />
                  <SortHeader
                    field="created_at"
                    label="Created"
                    sort={view.sort}
                    onSort={(s) => setView({ sort: s })}
                    className="hide-phone"
                  />
                </tr>
              </thead>
              <tbody>
                {items.map((d: Deal) => (
                  <tr key={d.id} className={selected.has(d.id) ? 'selected' : undefined}>
                    {editor ? (
                      <td className="deals-check">
                        <input
                          type="checkbox"
                          aria-label={`Select ${d.name}`}
                          checked={selected.has(d.id)}
                          onChange={(e) => toggle(d.id, e.target.checked)}
                        />
                      </td>
                    ) : null}
                    <td className="deals-name">
                      <Link to={`/deals/${d.id}`}>{d.name}</Link>
                      {d.archived ? <span className="badge deals-archived">Archived</span> : null}
                      {d.target_company ? <span className="deals-phone-only muted">{d.target_company}</span> : null}
                      <span className="deals-phone-only">
                        <StageBadge stage={d.stage} />
                      </span>
                    </td>
                    <td className="hide-phone">{d.target_company ?? <span className="muted">—</span>}</td>
                    <td className="hide-phone">
                      <StageBadge stage={d.stage} />
                    </td>
                    <td className="num">{formatMoney(d.value, d.currency)}</td>
                    <td className="hide-phone deals-date">
                      <time dateTime={d.created_at}>{formatDate(d.created_at)}</time>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="deals-footer">
            <Pagination
              page={view.page}
              pageSize={view.pageSize}
              total={data?.total ?? 0}
              totalExact={data?.total_exact ?? true}
              {...(data && data.next_cursor !== undefined ? { hasNext: data.next_cursor !== null } : {})}
              {...(data ? { items: data.items.length } : {})}
              onPage={(p) => setView({ page: p })}
              label="Deals pages"
            />
            <div className="deals-page-size">
              <SelectField
                label="Rows per page"
                value={String(shown.pageSize)}
                onChange={(e) => change({ pageSize: Number(e.target.value) })}
                options={PAGE_SIZES.map((n) => ({ value: String(n), label: String(n) }))}
              />
            </div>
          </div>
        </>
      )}

      {editor ? (
        <>
          <DealFormDialog open={creating} onOpenChange={setCreating} onCreated={(d) => navigate(`/deals/${d.id}`)} />
          <ConfirmDialog
            open={toDelete !== null}
            onOpenChange={(o) => (!o ? setToDelete(null) : undefined)}
            title={`Delete ${dealCount(toDelete?.length ?? 0)}?`}
            description={
              <p>
                {toDelete?.length === 1 ? `“${toDelete[0]?.name}” will be` : `The ${dealCount(toDelete?.length ?? 0)} you selected will be`}{' '}
                deleted. This cannot be undone.
              </p>
            }
            confirmLabel={`Delete ${dealCount(toDelete?.length ?? 0)}`}
            onConfirm={async () => {
              if (toDelete) await runBulk('delete', toDelete);
            }}
          />
        </>
      ) : null}
    </div>
  );
}
