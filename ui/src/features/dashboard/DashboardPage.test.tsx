import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router-dom';
import type { ReactNode } from 'react';
import { ApiError } from '../../lib/api';
import type { DashboardMetrics, Page, Task } from '../../lib/types';

const ME = {
  id: 'u-1',
  email: 'admin@acme.example',
  first_name: 'Amelia',
  last_name: 'Hart',
  organization_id: 'org',
  role: 'admin' as const,
  master_admin: false,
};

const apiMock = vi.fn();
vi.mock('../../lib/api', async (orig) => ({
  ...(await orig<typeof import('../../lib/api')>()),
  api: (path: string, opts?: unknown) => apiMock(path, opts),
}));
vi.mock('../../lib/auth', () => ({ useUser: () => ME }));
// The chart is tested on its own (components/BarChart.test.tsx); here it only has to appear.
vi.mock('../../components/BarChart', () => ({
  BarChart: ({ bars }: { bars: { label: string; value: number }[] }) => (
    <div data-testid="chart">{bars.map((d) => `${d.label}:${d.value}`).join(',')}</div>
  ),
}));

import DashboardPage from './DashboardPage';

const METRICS: DashboardMetrics = {
  deals_count: 9,
  documents_count: 5,
  tasks_count: 11,
  open_tasks_count: 8,
  pipeline_value: 137600000,
  deals_by_stage: { sourcing: 2, evaluation: 1, due_diligence: 2, negotiation: 1, closing: 1, won: 1, lost: 1 },
  recent_activity: [
    {
      id: 'a1',
      action: 'document.view',
      resource_type: 'document',
      resource_id: 'd-1',
      user: { id: 'u-1', name: 'Amelia Hart' },
      occurred_at: new Date(Date.now() - 120_000).toISOString(),
      details: {},
      source: 'client',
    },
    {
      id: 'a2',
      action: 'auth.login',
      resource_type: 'user',
      resource_id: 'u-1',
      user: { id: 'u-1', name: 'Amelia Hart' },
      occurred_at: new Date(Date.now() - 3_600_000 * 3).toISOString(),
      details: {},
      source: 'server',
    },
  ],
};

const task = (id: string, title: string, status: Task['status'], due: string | null): Task => ({
  id,
  title,
  status,
  due_date: due,
  deal_id: null,
  assignee_id: ME.id,
  assignee: { id: ME.id, name: 'Amelia Hart' },
  created_by: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  version: 1,
});
const page = <T,>(items: T[]): Page<T> => ({ items, page: 1, page_size: 50, total: items.length });

type Handler = (path: string, query: Record<string, unknown>) => unknown;

function serve(handler: Handler) {
  apiMock.mockImplementation(async (path: string, opts?: { query?: Record<string, unknown> }) => handler(path, opts?.query ?? {}));
}

function renderPage() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const wrap = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={qc}>
      <MemoryRouter>{children}</MemoryRouter>
    </QueryClientProvider>
  );
  return render(<DashboardPage />, { wrapper: wrap });
}

const card = (name: string) => screen.getByRole('region', { name });

beforeEach(() => {
  apiMock.mockReset();
});


describe('DashboardPage', () => {
  it('shows skeletons in every card while loading', () => {
    apiMock.mockImplementation(() => new Promise(() => {}));
    renderPage();
    expect(within(card('Deals by stage')).getByRole('status')).toHaveTextContent('Loading deals by stage');
    expect(within(card('Recent activity')).getByRole('status')).toHaveTextContent('Loading the recent activity');
    expect(within(card('Your open tasks')).getByRole('status')).toHaveTextContent('Loading your tasks');
    expect(within(card('Key figures')).getAllByRole('status')).toHaveLength(5);
  });

  it('shows the figures, the stages, the activity and my open tasks', async () => {
    serve((path, q) => {
      if (path === '/dashboard/metrics') return METRICS;
      if (path === '/tasks' && q.status === 'open') return page([task('t2', 'Later', 'open', '2026-12-20'), task('t3', 'Undated', 'open', null)]);
      if (path === '/tasks' && q.status === 'in_progress') return page([task('t1', 'Sooner', 'in_progress', '2026-12-08')]);
      throw new Error(`unexpected ${path} ${JSON.stringify(q)}`);
    });
    renderPage();
    const figures = card('Key figures');
    expect(await within(figures).findByText('9')).toBeInTheDocument();
    expect(within(figures).getByText('£137.6m').closest('data')).toHaveAttribute('value', '137600000');
    expect(within(figures).getByText('11')).toBeInTheDocument();
    expect(await screen.findByTestId('chart')).toHaveTextContent('Sourcing:2,Evaluation:1,Due diligence:2');
    const table = within(card('Deals by stage')).getByRole('table', { name: 'Deals by stage' });
    expect(within(table).getByRole('row', { name: 'Due diligence 2' })).toBeInTheDocument();

    const activity = card('Recent activity');
    expect(within(activity).getByRole('link', { name: 'viewed a document' })).toHaveAttribute('href', '/documents/d-1');
    expect(within(activity).getByText('signed in')).toBeInTheDocument();
    expect(within(activity).getByText('2 minutes ago').closest('time')).toHaveAttribute('title');

    const tasks = card('Your open tasks');
    const titles = (await within(tasks).findAllByRole('link', { name: /Sooner|Later|Undated/ })).map((a) => a.textContent);
    expect(titles).toEqual(['Sooner', 'Later', 'Undated']);
    expect(within(tasks).getByText('In progress')).toBeInTheDocument();
    // both statuses were asked for, for me only
    const taskCalls = apiMock.mock.calls.filter((c) => c[0] === '/tasks').map((c) => c[1].query);
    expect(taskCalls.map((q) => q.status).sort()).toEqual(['in_progress', 'open']);
    expect(taskCalls.every((q) => q.assignee_id === ME.id)).toBe(true);
  });

  it('says so when there are no open tasks and no activity', async () => {
    serve((path) => {
      if (path === '/dashboard/metrics') return { ...METRICS, recent_activity: [] };
      return page([]);
    });
    renderPage();
    expect(await within(card('Your open tasks')).findByText('No open tasks — nice')).toBeInTheDocument();
    expect(within(card('Recent activity')).getByText('No activity yet')).toBeInTheDocument();
  });

  it('shows an error with Retry per card, and Retry loads again', async () => {
    let failMetrics = true;
    serve((path, q) => {
      if (path === '/dashboard/metrics') {
        if (failMetrics) throw new ApiError({ status: 503, code: 'unavailable', title: 'Service Unavailable', detail: 'the database is unavailable' });
        return METRICS;
      }
      return page(q.status === 'open' ? [task('t1', 'Only task', 'open', null)] : []);
    });
    renderPage();
    const stages = card('Deals by stage');
    expect(await within(stages).findByRole('alert')).toHaveTextContent('The database is unavailable');
    expect(within(card('Recent activity')).getByRole('alert')).toBeInTheDocument();
    // the tasks card does not depend on the figures
    expect(await within(card('Your open tasks')).findByText('Only task')).toBeInTheDocument();
    failMetrics = false;
    await userEvent.click(within(stages).getByRole('button', { name: 'Retry' }));
    expect(await screen.findByTestId('chart')).toBeInTheDocument();
    expect(within(card('Key figures')).getByText('9')).toBeInTheDocument();
  });

  it('shows the tasks error on its own', async () => {
    serve((path) => {
      if (path === '/dashboard/metrics') return METRICS;
      throw new ApiError({ status: 500, code: 'internal', title: 'Internal Server Error', detail: 'something broke' });
    });
    renderPage();
    const tasks = card('Your open tasks');
    expect(await within(tasks).findByRole('alert')).toHaveTextContent('Your tasks could not be loaded');
    expect(within(tasks).getByRole('button', { name: 'Retry' })).toBeInTheDocument();
    expect(await within(card('Key figures')).findByText('9')).toBeInTheDocument();
  });
});
