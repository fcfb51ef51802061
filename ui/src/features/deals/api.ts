// Deals' server state: the query-key factory and the requests (docs/openapi.yaml,
// paths /deals, /deals/{id}, /deals/{id}/hierarchy).
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, apiRequest } from '../../lib/api';
import type { Deal, DealHierarchy, DealStage, Page } from '../../lib/types';
import type { DealListView } from './urlState';
import { viewToQuery } from './urlState';

export const dealKeys = {
  all: ['deals'] as const,
  lists: () => [...dealKeys.all, 'list'] as const,
  list: (view: DealListView) => [...dealKeys.lists(), view] as const,
  details: () => [...dealKeys.all, 'detail'] as const,
  hierarchy: (id: string) => [...dealKeys.details(), id, 'hierarchy'] as const,
};

/** What the create and edit forms send (the server fills in the rest). */
export interface DealInput {
  name: string;
  target_company: string | null;
  stage: DealStage;
  value?: number;
  currency: string;
  description: string | null;
}

/** The ETag the server gives a deal: "v<version>", sent back in If-Match. */
export const dealEtag = (deal: Pick<Deal, 'version'>): string => `"v${deal.version}"`;

export function fetchDeals(view: DealListView, signal?: AbortSignal): Promise<Page<Deal>> {
  return api<Page<Deal>>('/deals', { query: viewToQuery(view), ...(signal ? { signal } : {}) });
}

export function fetchDealHierarchy(id: string, signal?: AbortSignal): Promise<DealHierarchy> {
  return api<DealHierarchy>(`/deals/${encodeURIComponent(id)}/hierarchy`, signal ? { signal } : {});
}

export function createDeal(input: DealInput): Promise<Deal> {
  return api<Deal>('/deals', { method: 'POST', body: input });
}

export async function updateDeal(id: string, change: Partial<DealInput>, version: number): Promise<Deal> {
  const res = await apiRequest<Deal>(`/deals/${encodeURIComponent(id)}`, {
    method: 'PATCH',
    body: change,
    ifMatch: dealEtag({ version }),
  });
  return res.data;
}

export function deleteDeal(id: string): Promise<void> {
  return api<void>(`/deals/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export function useDeals(view: DealListView) {
  return useQuery({
    queryKey: dealKeys.list(view),
    queryFn: ({ signal }) => fetchDeals(view, signal),
    placeholderData: keepPreviousData,
  });
}

export function useDealHierarchy(id: string) {
  return useQuery({
    queryKey: dealKeys.hierarchy(id),
    queryFn: ({ signal }) => fetchDealHierarchy(id, signal),
  });
}

/** The words a 412 on a deal shows (with a reload action next to it). */
export const CONFLICT_MESSAGE = 'This deal was changed by someone else; reload to see the latest version';
