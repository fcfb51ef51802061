// Documents: query keys, requests and the hooks the screens use.
import { useEffect, useRef } from 'react';
import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { api, apiRequest } from '../../lib/api';
import type { AuditEntry, Deal, DocumentItem, Page, Permission, User, Uuid } from '../../lib/types';
import type { PermissionPatch } from './permissions';

export interface DocumentFilters {
  dealId: string | null;
  archived: boolean;
  page: number;
}

export const DOCUMENTS_PAGE_SIZE = 20;
export const TIMELINE_PAGE_SIZE = 10;

export const documentKeys = {
  all: ['documents'] as const,
  lists: () => [...documentKeys.all, 'list'] as const,
  list: (f: DocumentFilters) => [...documentKeys.lists(), f] as const,
  detail: (id: Uuid) => [...documentKeys.all, 'detail', id] as const,
  permissions: (id: Uuid) => [...documentKeys.all, 'permissions', id] as const,
  timeline: (id: Uuid) => [...documentKeys.all, 'timeline', id] as const,
  users: () => [...documentKeys.all, 'org-users'] as const,
  dealOptions: () => [...documentKeys.all, 'deal-options'] as const,
};

/** A document with the ETag its GET answered (for If-Match). */
export interface LoadedDocument {
  doc: DocumentItem;
  etag: string;
}

/**
 * The validator to send back in If-Match. Apache's mod_deflate appends "-gzip" to the
 * ETag of a compressed answer ("v3-gzip"), which the server's If-Match does not accept,
 * so the suffix a content coding added is taken off again.
 */
export function etagOf(doc: Pick<DocumentItem, 'version'>, etag: string | null): string {
  if (!etag) return `"v${doc.version}"`;
  return etag.replace(/-(gzip|br|deflate|zstd)"$/, '"');
}

export function useDocuments(f: DocumentFilters) {
  return useQuery({
    queryKey: documentKeys.list(f),
    queryFn: ({ signal }) =>
      api<Page<DocumentItem>>('/documents', {
        query: {
          page: f.page,
          page_size: DOCUMENTS_PAGE_SIZE,
          deal_id: f.dealId,
          archived: f.archived ? 'true' : undefined,
        },
        signal,
      }),
    placeholderData: keepPreviousData,
  });
}

export function useDocument(id: Uuid) {
  return useQuery({
    queryKey: documentKeys.detail(id),
    queryFn: async ({ signal }): Promise<LoadedDocument> => {
      const res = await apiRequest<DocumentItem>(`/documents/${encodeURIComponent(id)}`, { signal });
      return { doc: res.data, etag: etagOf(res.data, res.etag) };
    },
  });
}

/** Deals to pick from (filter and form): the first 100 current deals by name. */
export function useDealOptions() {
  return useQuery({
    queryKey: documentKeys.dealOptions(),
    queryFn: ({ signal }) =>
      api<Page<Deal>>('/deals', { query: { page_size: 100, sort: 'name' }, signal }),
    staleTime: 60_000,
    select: (p) => p.items,
  });
}

/** The organization's users (names for grants, candidates to add). */
export function useOrgUsers(enabled = true) {
  return useQuery({
    queryKey: documentKeys.users(),
    queryFn: ({ signal }) => api<Page<User>>('/users', { query: { page_size: 100 }, signal }),
    staleTime: 60_000,
    enabled,
    select: (p) => p.items.filter((u) => u.active !== false),
  });
}

export function usePermissions(id: Uuid, enabled = true) {
  return useQuery({
    queryKey: documentKeys.permissions(id),
    queryFn: ({ signal }) =>
      api<{ permissions: Permission[] }>(`/documents/${encodeURIComponent(id)}/permissions`, { signal }),
    select: (r) => r.permissions,
    enabled,
  });
}

export function useDocumentTimeline(id: Uuid, enabled = true) {
  return useInfiniteQuery({
    queryKey: documentKeys.timeline(id),
    queryFn: ({ pageParam, signal }) =>
      api<Page<AuditEntry>>('/audit-logs', {
        query: {
          resource_type: 'document',
          resource_id: id,
          page: pageParam,
          page_size: TIMELINE_PAGE_SIZE,
        },
        signal,
      }),
    initialPageParam: 1,
    getNextPageParam: (last) =>
      last.next_cursor !== undefined
        ? last.next_cursor !== null
          ? last.page + 1
          : undefined
        : last.page * last.page_size < last.total
          ? last.page + 1
          : undefined,
    enabled,
  });
}

export interface DocumentInput {
  title: string;
  body: string;
  deal_id: Uuid | null;
}

export function useCreateDocument() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: DocumentInput) =>
      api<DocumentItem>('/documents', { method: 'POST', body: input }),
    onSettled: () => qc.invalidateQueries({ queryKey: documentKeys.lists() }),
  });
}

export function useUpdateDocument(id: Uuid) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (v: { patch: Partial<DocumentInput> & { archived?: boolean }; etag: string }) => {
      const res = await apiRequest<DocumentItem>(`/documents/${encodeURIComponent(id)}`, {
        method: 'PATCH',
        body: v.patch,
        ifMatch: v.etag,
      });
      return { doc: res.data, etag: etagOf(res.data, res.etag) };
    },
    onSuccess: (loaded) => {
      qc.setQueryData(documentKeys.detail(id), loaded);
    },
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: documentKeys.lists() });
      void qc.invalidateQueries({ queryKey: documentKeys.timeline(id) });
    },
  });
}

/**
 * Archive or unarchive, shown at once: onMutate writes the new state into the cached
 * document (after cancelling its fetches and keeping a snapshot), onError puts the
 * snapshot back (the caller toasts why), onSettled refetches what the change touches.
 */
export function useArchiveDocument(id: Uuid) {
  const qc = useQueryClient();
  const key = documentKeys.detail(id);
  return useMutation({
    mutationFn: async (v: { archived: boolean; etag: string }) => {
      const res = await apiRequest<DocumentItem>(`/documents/${encodeURIComponent(id)}`, {
        method: 'PATCH',
        body: { archived: v.archived },
        ifMatch: v.etag,
      });
      return { doc: res.data, etag: etagOf(res.data, res.etag) };
    },
    onMutate: async (v) => {
      await qc.cancelQueries({ queryKey: key });
      const snapshot = qc.getQueryData<LoadedDocument>(key);
      if (snapshot) qc.setQueryData<LoadedDocument>(key, { ...snapshot, doc: { ...snapshot.doc, archived: v.archived } });
      return { snapshot };
    },
    onError: (_err, _v, ctx) => {
      if (ctx?.snapshot) qc.setQueryData(key, ctx.snapshot);
    },
    onSuccess: (loaded) => {
      qc.setQueryData(key, loaded);
    },
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: key });
      void qc.invalidateQueries({ queryKey: documentKeys.lists() });
      void qc.invalidateQueries({ queryKey: documentKeys.timeline(id) });
    },
  });
}

export function useDeleteDocument(id: Uuid) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api<void>(`/documents/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSuccess: () => {
      qc.removeQueries({ queryKey: documentKeys.detail(id) });
      void qc.invalidateQueries({ queryKey: documentKeys.lists() });
    },
  });
}

export function useUpdatePermissions(id: Uuid) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: PermissionPatch) =>
      api<{ permissions: Permission[] }>(`/documents/${encodeURIComponent(id)}/permissions`, {
        method: 'PATCH',
        body,
      }),
    onSuccess: (answer) => {
      qc.setQueryData(documentKeys.permissions(id), answer);
    },
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: documentKeys.permissions(id) });
      void qc.invalidateQueries({ queryKey: documentKeys.detail(id) });
      void qc.invalidateQueries({ queryKey: documentKeys.timeline(id) });
      void qc.invalidateQueries({ queryKey: documentKeys.lists() });
    },
  });
}

export function recordDocumentView(id: Uuid): Promise<AuditEntry> {
  return api<AuditEntry>('/audit-logs', {
    method: 'POST',
    body: {
      action: 'document.view',
      resource_type: 'document',
      resource_id: id,
      timestamp: new Date().toISOString(),
    },
  });
}

/**
 * Records one `document.view` per opening of a document: once the document has loaded,
 * and again only when another document is opened in the same screen. The ref survives
 * re-renders, refetches and React's StrictMode double effects (the component keeps its
 * state there), so none of those posts twice.
 */
export function useRecordView(id: Uuid, loaded: boolean): void {
  const qc = useQueryClient();
  const recorded = useRef<string | null>(null);
  useEffect(() => {
    if (!loaded || recorded.current === id) return;
    recorded.current = id;
    recordDocumentView(id)
      .then(async () => {
        // The timeline's first load may still be on its way, begun before the view was
        // written. A refetch would join that request rather than replace it (there is no
        // data to keep yet), so it is cancelled first, then loaded again.
        const key = documentKeys.timeline(id);
        await qc.cancelQueries({ queryKey: key });
        await qc.invalidateQueries({ queryKey: key });
      })
      .catch(() => {
        // Not worth interrupting the reader: the view is simply not in the timeline.
      });
  }, [id, loaded, qc]);
}
