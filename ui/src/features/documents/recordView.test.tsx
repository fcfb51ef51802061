import { StrictMode } from 'react';
import type { ReactNode } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';

const apiMock = vi.fn();
vi.mock('../../lib/api', async (orig) => ({
  ...(await orig<typeof import('../../lib/api')>()),
  api: (path: string, opts?: unknown) => apiMock(path, opts),
}));

import { useDocumentTimeline, useRecordView } from './api';

function Probe({ id }: { id: string }) {
  useRecordView(id, true);
  const q = useDocumentTimeline(id);
  const entries = q.data?.pages.flatMap((p) => p.items) ?? [];
  return <p>{q.isPending ? 'loading' : `entries: ${entries.map((e) => e.action).join(',') || 'none'}`}</p>;
}

describe('useRecordView', () => {
  it.each([
    ['as in production', false],
    ['under StrictMode (effects run twice)', true],
  ])('posts one view and the timeline shows it although its first load began before the view was written, %s', async (_name, strict) => {
    apiMock.mockReset();
    let viewed = false;
    let releaseFirstGet: (() => void) | null = null;
    apiMock.mockImplementation(async (path: string, opts?: { method?: string }) => {
      if (path === '/audit-logs' && opts?.method === 'POST') {
        // written after the timeline's first GET has begun
        await vi.waitFor(() => expect(releaseFirstGet).not.toBeNull());
        viewed = true;
        return { id: 'v' };
      }
      const snapshot = viewed;
      if (!snapshot && !releaseFirstGet) await new Promise<void>((r) => (releaseFirstGet = r));
      const items = snapshot ? [{ id: 'v', action: 'document.view' }] : [];
      return { items, page: 1, page_size: 10, total: items.length };
    });
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const wrap = ({ children }: { children: ReactNode }) => {
      const inner = <QueryClientProvider client={qc}>{children}</QueryClientProvider>;
      return strict ? <StrictMode>{inner}</StrictMode> : inner;
    };
    render(<Probe id="doc-1" />, { wrapper: wrap });
    await vi.waitFor(() => expect(viewed).toBe(true));
    // the first GET (begun before the view) answers late, without it
    (releaseFirstGet as (() => void) | null)?.();
    expect(await screen.findByText('entries: document.view')).toBeInTheDocument();
    const posts = apiMock.mock.calls.filter((c) => c[1]?.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.[1].body).toMatchObject({ action: 'document.view', resource_type: 'document', resource_id: 'doc-1' });
  });
});
