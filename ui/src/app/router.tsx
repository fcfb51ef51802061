import { lazy, Suspense } from 'react';
import type { ReactNode } from 'react';
import { createBrowserRouter } from 'react-router-dom';
import { Layout } from './Layout';
import { RequireAuth } from './RequireAuth';
import { NotFoundPage } from './NotFound';
import { Spinner } from '../components/States';

// One chunk per screen family: charts and the board load only where they are shown.
const LoginPage = lazy(() => import('../features/auth/LoginPage'));
const DashboardPage = lazy(() => import('../features/dashboard/DashboardPage'));
const DealsPage = lazy(() => import('../features/deals/DealsPage'));
const DealPage = lazy(() => import('../features/deals/DealPage'));
const ProspectsPage = lazy(() => import('../features/prospects/ProspectsPage'));
const TasksPage = lazy(() => import('../features/tasks/TasksPage'));
const DocumentsPage = lazy(() => import('../features/documents/DocumentsPage'));
const DocumentPage = lazy(() => import('../features/documents/DocumentPage'));

function Page({ children }: { children: ReactNode }) {
  return <Suspense fallback={<Spinner label="Loading the page" />}>{children}</Suspense>;
}

export const router = createBrowserRouter([
  {
    path: '/login',
    element: (
      <Page>
        <LoginPage />
      </Page>
    ),
  },
  {
    element: (
      <RequireAuth>
        <Layout />
      </RequireAuth>
    ),
    children: [
      { index: true, element: <Page><DashboardPage /></Page> },
      { path: 'deals', element: <Page><DealsPage /></Page> },
      { path: 'deals/:id', element: <Page><DealPage /></Page> },
      { path: 'prospects', element: <Page><ProspectsPage /></Page> },
      { path: 'tasks', element: <Page><TasksPage /></Page> },
      { path: 'documents', element: <Page><DocumentsPage /></Page> },
      { path: 'documents/:id', element: <Page><DocumentPage /></Page> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);
