// Bulk archive / unarchive / delete of deals (POST /api/v1/bulk/<action>), applied to
// every cached deals list at once and rolled back if the server refuses.
//
// The pure parts (applyBulkToPage, applyBulk/rollbackBulk over a QueryClient,
// describeBulkResult) are unit-tested in bulk.test.ts; useBulkDeals wires them into a
// mutation: onMutate (cancel, snapshot, write) -> onError (restore + toast) ->
// onSettled (invalidate).
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { QueryClient, QueryKey } from '@tanstack/react-query';
import { api, errorMessage } from '../../lib/api';
import type { BulkResult, Deal, Page } from '../../lib/types';
import { useToast } from '../../components/Toast';
import { dealKeys } from './api';
import type { DealListView } from './urlState';

export type BulkAction = 'archive' | 'unarchive' | 'delete';

export const BULK_LABELS: Record<BulkAction, { button: string; past: string; doing: string }> = {
  archive: { button: 'Archive', past: 'archived', doing: 'Archiving' },
  unarchive: { button: 'Unarchive', past: 'unarchived', doing: 'Unarchiving' },
  delete: { button: 'Delete', past: 'deleted', doing: 'Deleting' },
};

export const dealCount = (n: number): string => `${n} ${n === 1 ? 'deal' : 'deals'}`;

/**
 * One page of a list after the action: a row leaves the list it no longer belongs to
 * (deleted rows everywhere, archived rows from the current list, unarchived rows from
 * the archived list) and the total shrinks with it; a row that stays is marked with
 * its new archived flag. Pages without any of the ids come back unchanged (same object).
 */
export function applyBulkToPage(
  page: Page<Deal>,
  action: BulkAction,
  ids: ReadonlySet<string>,
  listShowsArchived: boolean,
): Page<Deal> {
  if (!page.items.some((d) => ids.has(d.id))) return page;
  const archivedAfter = action === 'archive';
  let removed = 0;
  const items: Deal[] = [];
  for (const d of page.items) {
    if (!ids.has(d.id)) {
      items.push(d);
    } else if (action === 'delete' || archivedAfter !== listShowsArchived) {
      removed++;
    } else {
      items.push({ ...d, archived: archivedAfter });
    }
  }
  return { ...page, items, total: Math.max(0, page.total - removed) };
}

export type BulkSnapshot = [QueryKey, Page<Deal> | undefined][];

function listShowsArchived(key: QueryKey): boolean {
  const view = key[2] as Partial<DealListView> | undefined;
  return view?.archived === true;
}

/** Writes the action into every cached deals list; returns what to restore on failure. */
export function applyBulk(qc: QueryClient, action: BulkAction, ids: readonly string[]): BulkSnapshot {
  const set = new Set(ids);
  const snapshot = qc.getQueriesData<Page<Deal>>({ queryKey: dealKeys.lists() });
  for (const [key, data] of snapshot) {
    if (!data) continue;
    const next = applyBulkToPage(data, action, set, listShowsArchived(key));
    if (next !== data) qc.setQueryData(key, next);
  }
  return snapshot;
}

export function rollbackBulk(qc: QueryClient, snapshot: BulkSnapshot): void {
  for (const [key, data] of snapshot) qc.setQueryData(key, data);
}

export interface BulkOutcome {
  /** The success message (null when nothing was changed). */
  success: string | null;
  /** The ids the server did not find, in words (null when it found all). */
  notFound: string | null;
}

/** The server's answer in words: counts, and the ids it did not find. */
export function describeBulkResult(action: BulkAction, result: BulkResult): BulkOutcome {
  const past = BULK_LABELS[action].past;
  const success =
    result.updated > 0 ? `${dealCount(result.updated)} ${past}`.replace(/^./, (c) => c.toUpperCase()) : null;
  const n = result.not_found.length;
  const notFound =
    n === 0
      ? null
      : `${dealCount(n)} ${n === 1 ? 'was' : 'were'} not found — ${n === 1 ? 'it' : 'they'} may have been deleted by someone else`;
  return { success, notFound };
}

export function bulkRequest(action: BulkAction, ids: readonly string[]): Promise<BulkResult> {
  return api<BulkResult>(`/bulk/${action}`, { method: 'POST', body: { resource_type: 'deal', ids } });
}

interface BulkVars {
  action: BulkAction;
  ids: string[];
}

/** The bulk mutation with its optimistic update; `onDone` runs after success (clear selection). */
export function useBulkDeals(onDone?: () => void) {
  const qc = useQueryClient();
  const toast = useToast();
  return useMutation<BulkResult, unknown, BulkVars, { snapshot: BulkSnapshot }>({
    mutationFn: ({ action, ids }) => bulkRequest(action, ids),
    onMutate: async ({ action, ids }) => {
      await qc.cancelQueries({ queryKey: dealKeys.lists() });
      return { snapshot: applyBulk(qc, action, ids) };
    },
    onError: (err, { action, ids }, ctx) => {
      if (ctx) rollbackBulk(qc, ctx.snapshot);
      toast.error(`${dealCount(ids.length)} could not be ${BULK_LABELS[action].past}: ${errorMessage(err)}`);
    },
    onSuccess: (result, { action }) => {
      const { success, notFound } = describeBulkResult(action, result);
      if (success) toast.success(success);
      if (notFound) toast.error(notFound);
      onDone?.();
    },
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: dealKeys.all });
      void qc.invalidateQueries({ queryKey: ['dashboard'] });
    },
  });
}
