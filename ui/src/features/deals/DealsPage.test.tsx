import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';
import type { Deal, User } from '../../lib/types';
import { ToastProvider } from '../../components/Toast';
import DealsPage from './DealsPage';

const role = vi.hoisted(() => ({ current: 'admin' as User['role'] }));
vi.mock('../../lib/auth', () => ({
  useUser: () => ({ id: 'u1', role: role.current, first_name: 'A', last_name: 'B' }),
  canWrite: (u: User) => u.role !== 'viewer',
}));

function deal(id: string, name: string): Deal {
  return {
    id,
    name,
    target_company: `${name} Ltd`,
    stage: 'closing',
    value: 1500,
    currency: 'GBP',
    description: null,
    archived: false,
    created_by: null,
    created_at: '2026-03-01T10:00:00Z',
    updated_at: '2026-03-01T10:00:00Z',
    version: 1,
  };
}

let requests: string[] = [];
function serve(items: Deal[]) {
  requests = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      requests.push(url);
      return new Response(JSON.stringify({ items, page: 1, page_size: 20, total: items.length }), {
        status: 200,
        headers: { 'Content-Type': 'application/json' },
      });
    }),
  );
}

function Where() {
  const loc = useLocation();
  return <output data-testid="where">{loc.search}</output>;
}

function renderAt(url: string) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={qc}>
      <ToastProvider>
        <MemoryRouter initialEntries={[url]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
          <Routes>
            <Route
              path="/deals"
              element={
                <>
                  <DealsPage />
                  <Where />
                </>
              }
            />
          </Routes>
        </MemoryRouter>
      </ToastProvider>
    </QueryClientProvider>,
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
  role.current = 'admin';
});

describe('DealsPage', () => {
  it('reads its view from the URL and asks the server for it', async () => {
    serve([deal('1', 'Project Kite')]);
    renderAt('/deals?q=Kite&stage=closing&sort=-value&page_size=50');
    await screen.findByRole('link', { name: 'Project Kite' });
    expect(screen.getByLabelText('Search deals')).toHaveValue('Kite');
    expect(screen.getByLabelText('Stage')).toHaveValue('closing');
    expect(screen.getByRole('columnheader', { name: /Value/ })).toHaveAttribute('aria-sort', 'descending');
    const q = new URL(requests[0] ?? '', 'http://x').searchParams;
    expect(q.get('q')).toBe('Kite');
    expect(q.get('stage')).toBe('closing');
    expect(q.get('sort')).toBe('-value');
    expect(q.get('page_size')).toBe('50');
  });

  it('offers to clear the filters when nothing matches them', async () => {
    serve([]);
    renderAt('/deals?q=zzz&archived=true');
    await screen.findByText('No deals match these filters');
    await userEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    await waitFor(() => expect(screen.getByTestId('where')).toHaveTextContent(/^$/));
    expect(screen.getByLabelText('Search deals')).toHaveValue('');
  });

  it('shows the bulk bar with the count when rows are selected', async () => {
    serve([deal('1', 'Alpha'), deal('2', 'Beta')]);
    renderAt('/deals');
    await userEvent.click(await screen.findByRole('checkbox', { name: 'Select all deals on this page' }));
    const bar = screen.getByRole('region', { name: 'Bulk actions' });
    expect(within(bar).getByText('2 deals selected')).toBeInTheDocument();
    for (const name of ['Archive', 'Delete']) expect(within(bar).getByRole('button', { name })).toBeInTheDocument();
    await userEvent.click(screen.getByRole('checkbox', { name: 'Select Beta' }));
    expect(within(bar).getByText('1 deal selected')).toBeInTheDocument();
  });

  it('gives a viewer no mutation controls', async () => {
    role.current = 'viewer';
    serve([deal('1', 'Alpha')]);
    renderAt('/deals');
    await screen.findByRole('link', { name: 'Alpha' });
    expect(screen.queryByRole('button', { name: /New deal/ })).toBeNull();
    expect(screen.queryByRole('checkbox', { name: /^Select/ })).toBeNull();
  });
});
