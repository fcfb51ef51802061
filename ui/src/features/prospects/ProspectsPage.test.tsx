import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router-dom';
import { makeQueryClient } from '../../lib/queryClient';
import { AuthProvider, useAuth } from '../../lib/auth';
import { setAccessToken } from '../../lib/api';
import { ToastProvider } from '../../components/Toast';
import type { OrgRole, Prospect } from '../../lib/types';
import ProspectsPage from './ProspectsPage';

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });

const card: Prospect = {
  id: '40000000-0000-4000-8000-000000000001',
  company_name: 'Heron Dental Group',
  contact_name: 'Ann Lee',
  contact_email: 'ann@heron.example',
  stage: 'qualified',
  notes: null,
  archived: false,
  created_by: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  version: 1,
};

function serve(role: OrgRole, prospects: (() => Response)[]) {
  let call = 0;
  const fetchMock = vi.fn(async (input: RequestInfo | URL) => {
    const url = String(input);
    if (url.includes('/auth/refresh')) {
      return json(200, {
        access_token: 't',
        token_type: 'Bearer',
        expires_in: 900,
        user: { id: 'u', email: 'a@b.example', first_name: 'A', last_name: 'B', organization_id: 'o', role, master_admin: false },
      });
    }
    if (url.includes('/prospects')) {
      const answer = prospects[Math.min(call, prospects.length - 1)] as () => Response;
      call++;
      return answer();
    }
    return json(404, { title: 'Not Found', status: 404, code: 'not_found' });
  });
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

function renderPage() {
  return render(
    <QueryClientProvider client={makeQueryClient()}>
      <ToastProvider>
        <AuthProvider>
          <MemoryRouter>
            <ProspectsGate />
          </MemoryRouter>
        </AuthProvider>
      </ToastProvider>
    </QueryClientProvider>,
  );
}

// The page is shown behind RequireAuth in the app; here it waits for the session.
function ProspectsGate() {
  const { status } = useAuth();
  return status === 'authenticated' ? <ProspectsPage /> : <p>signing in</p>;
}

afterEach(() => {
  vi.unstubAllGlobals();
  setAccessToken(null);
});

describe('ProspectsPage', () => {
  it('shows the server’s words and a Retry that loads the board', async () => {
    serve('member', [
      // a 4xx: the query client does not retry it, so the error shows at once
      () => json(403, { title: 'Forbidden', status: 403, code: 'forbidden', detail: 'the database is unavailable' }),
      () => json(200, { items: [card], page: 1, page_size: 100, total: 1 }),
    ]);
    renderPage();
    expect(await screen.findByText('The database is unavailable')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    const qualified = await screen.findByRole('region', { name: 'Qualified' });
    expect(within(qualified).getByRole('button', { name: /Heron Dental Group/ })).toBeInTheDocument();
    const names = screen.getAllByRole('region').map((r) => r.getAttribute('aria-labelledby'));
    expect(names).toEqual(['new', 'contacted', 'qualified', 'engaged', 'converted', 'lost'].map((s) => `prospects-col-${s}`));
    expect(within(screen.getByRole('region', { name: 'New' })).getByText('No prospects in this stage')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /New prospect/ })).toBeInTheDocument();
  });

  it('loads every page of prospects', async () => {
    const many = Array.from({ length: 100 }, (_, i) => ({ ...card, id: `id-${i}`, company_name: `Co ${i}`, stage: 'new' as const }));
    const fetchMock = serve('member', [
      () => json(200, { items: many, page: 1, page_size: 100, total: 101 }),
      () => json(200, { items: [card], page: 2, page_size: 100, total: 101 }),
    ]);
    renderPage();
    const qualified = await screen.findByRole('region', { name: 'Qualified' });
    expect(within(qualified).getByRole('button', { name: /Heron Dental Group/ })).toBeInTheDocument();
    const urls = fetchMock.mock.calls.map((c) => String(c[0])).filter((u) => u.includes('/prospects'));
    expect(urls).toEqual(['/api/v1/prospects?page=1&page_size=100', '/api/v1/prospects?page=2&page_size=100']);
  });

  it('is read-only for viewers and says so', async () => {
    serve('viewer', [() => json(200, { items: [card], page: 1, page_size: 100, total: 1 })]);
    renderPage();
    expect(await screen.findByText(/You have read-only access/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /New prospect/ })).not.toBeInTheDocument();
    const theCard = await screen.findByRole('button', { name: /Heron Dental Group/ });
    expect(theCard).not.toHaveAttribute('data-rfd-drag-handle-draggable-id');
  });
});
