// The deals list's view (search, stage, archived, sort, page, page size) lives in the URL
// query so a view can be shared and survives a reload. These helpers turn the query
// into a checked view and back; anything odd in a hand-edited URL falls back to the
// default instead of sending the server a value it would refuse.
import type { DealStage } from '../../lib/types';
import { DEAL_STAGES } from '../../lib/enums';

/** The server's sort values for GET /deals (docs/openapi.yaml). */
export const DEAL_SORTS = ['-created_at', 'created_at', 'name', '-name', 'value', '-value'] as const;
export type DealSort = (typeof DEAL_SORTS)[number];
export type DealSortField = 'name' | 'value' | 'created_at';

export const DEFAULT_SORT: DealSort = '-created_at';
export const PAGE_SIZES = [10, 20, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 20;

export interface DealListView {
  q: string;
  stage: DealStage | '';
  archived: boolean;
  sort: DealSort;
  page: number;
  pageSize: number;
}

export const DEFAULT_VIEW: DealListView = {
  q: '',
  stage: '',
  archived: false,
  sort: DEFAULT_SORT,
  page: 1,
  pageSize: DEFAULT_PAGE_SIZE,
};

function positiveInt(raw: string | null, max: number): number | null {
  if (raw === null || !/^\d{1,7}$/.test(raw)) return null;
  const n = Number(raw);
  return n >= 1 && n <= max ? n : null;
}

export function parseView(params: URLSearchParams): DealListView {
  const stageRaw = params.get('stage') ?? '';
  const stage = DEAL_STAGES.some((s) => s.value === stageRaw) ? (stageRaw as DealStage) : '';
  const sortRaw = params.get('sort') ?? '';
  const sort = (DEAL_SORTS as readonly string[]).includes(sortRaw) ? (sortRaw as DealSort) : DEFAULT_SORT;
  return {
    q: (params.get('q') ?? '').slice(0, 200),
    stage,
    archived: params.get('archived') === 'true',
    sort,
    page: positiveInt(params.get('page'), 1_000_000) ?? 1,
    pageSize: positiveInt(params.get('page_size'), 100) ?? DEFAULT_PAGE_SIZE,
  };
}

/** The URL query of a view; defaults are left out so plain /deals stays plain. */
export function viewToParams(view: DealListView): URLSearchParams {
  const p = new URLSearchParams();
  if (view.q.trim() !== '') p.set('q', view.q);
  if (view.stage) p.set('stage', view.stage);
  if (view.archived) p.set('archived', 'true');
  if (view.sort !== DEFAULT_SORT) p.set('sort', view.sort);
  if (view.page !== 1) p.set('page', String(view.page));
  if (view.pageSize !== DEFAULT_PAGE_SIZE) p.set('page_size', String(view.pageSize));
  return p;
}

/**
 * A change to the view. Changing what is shown (search, stage, archived, sort, page
 * size) goes back to page 1; only a page change keeps the rest.
 */
export function updateView(view: DealListView, change: Partial<DealListView>): DealListView {
  const next = { ...view, ...change };
  const resetsPage = (['q', 'stage', 'archived', 'sort', 'pageSize'] as const).some(
    (k) => k in change && change[k] !== view[k],
  );
  if (resetsPage && !('page' in change)) next.page = 1;
  return next;
}

/** The query GET /api/v1/deals takes for a view. */
export function viewToQuery(view: DealListView): Record<string, string | number | undefined> {
  const q = view.q.trim();
  return {
    q: q === '' ? undefined : q,
    stage: view.stage || undefined,
    archived: view.archived ? 'true' : undefined,
    sort: view.sort,
    page: view.page,
    page_size: view.pageSize,
  };
}

export function hasFilters(view: DealListView): boolean {
  return view.q.trim() !== '' || view.stage !== '' || view.archived;
}

/** Clicking a column: a new column sorts its natural way first, the same one flips. */
export function nextSort(current: DealSort, field: DealSortField): DealSort {
  const desc = `-${field}` as DealSort;
  const asc = field as DealSort;
  if (current === asc) return desc;
  if (current === desc) return asc;
  return field === 'name' ? asc : desc;
}

export function sortDirection(current: DealSort, field: DealSortField): 'ascending' | 'descending' | 'none' {
  if (current === field) return 'ascending';
  if (current === `-${field}`) return 'descending';
  return 'none';
}
