import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router-dom';
import type { User } from '../../lib/types';
import { ToastProvider } from '../../components/Toast';
import type { Person } from './api';
import { changeFailureMessage, resetUrl } from './api';
import TeamPage from './TeamPage';
import { validateNewPerson } from './PersonDialogs';
import { ApiError } from '../../lib/api';

const auth = vi.hoisted(() => ({
  role: 'admin' as User['role'],
  reloadUser: vi.fn(async () => true),
}));
vi.mock('../../lib/auth', () => {
  const me = () => ({
    id: 'me',
    email: 'amelia@acme.example',
    first_name: 'Amelia',
    last_name: 'Hart',
    organization_id: 'o1',
    role: auth.role,
    master_admin: false,
  });
  return {
    useUser: me,
    useAuth: () => ({ user: me(), reloadUser: auth.reloadUser }),
    isAdmin: (u: User) => u.role === 'admin',
  };
});

function person(id: string, first: string, last: string, role: Person['role'], active = true): Person {
  return {
    id,
    email: `${first.toLowerCase()}@acme.example`,
    first_name: first,
    last_name: last,
    organization_id: 'o1',
    role,
    master_admin: false,
    active,
    last_login_at: id === 'me' ? '2026-11-20T09:30:00Z' : null,
  };
}

const PEOPLE = [
  person('me', 'Amelia', 'Hart', 'admin'),
  person('u2', 'Ravi', 'Patel', 'member'),
  person('u3', 'Sophie', 'Turner', 'viewer', false),
];

type Handler = (url: string, init: RequestInit) => Response | Promise<Response>;
let calls: { url: string; method: string; body: unknown }[] = [];

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });
}

function serve(extra?: Handler) {
  calls = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      const method = init.method ?? 'GET';
      calls.push({ url, method, body: init.body ? JSON.parse(String(init.body)) : undefined });
      if (method === 'GET' && url.startsWith('/api/v1/users')) {
        return json(200, { items: PEOPLE, page: 1, page_size: 100, total: PEOPLE.length });
      }
      if (extra) return extra(url, init);
      return json(500, { title: 'unexpected' });
    }),
  );
}

function renderPage() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={qc}>
      <ToastProvider>
        <MemoryRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
          <TeamPage />
        </MemoryRouter>
      </ToastProvider>
    </QueryClientProvider>,
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
  auth.role = 'admin';
  auth.reloadUser.mockClear();
});

describe('TeamPage', () => {
  it('shows every person with role, status and last login', async () => {
    auth.role = 'member';
    serve();
    renderPage();
    const row = (await screen.findByText('Ravi Patel')).closest('tr')!;
    expect(within(row).getByText('Member')).toBeInTheDocument();
    expect(within(row).getByText('Active')).toBeInTheDocument();
    expect(within(row).getByText('Never')).toBeInTheDocument();
    const sophie = screen.getByText('Sophie Turner').closest('tr')!;
    expect(within(sophie).getByText('Inactive')).toBeInTheDocument();
    expect(within(screen.getByText('Amelia Hart').closest('tr')!).getByText('20 Nov 2026, 09:30', { exact: false })).toBeInTheDocument();
  });

  it('gives a member no admin controls', async () => {
    auth.role = 'member';
    serve();
    renderPage();
    await screen.findByText('Ravi Patel');
    expect(screen.queryByRole('button', { name: 'Add person' })).toBeNull();
    expect(screen.queryByRole('combobox')).toBeNull();
    expect(screen.queryByRole('button', { name: /Deactivate|Reactivate|Reset password|Edit/ })).toBeNull();
    expect(screen.queryByRole('columnheader', { name: 'Actions' })).toBeNull();
  });

  it('gives an admin the controls, named after each person', async () => {
    serve();
    renderPage();
    await screen.findByText('Ravi Patel');
    expect(screen.getByRole('button', { name: 'Add person' })).toBeInTheDocument();
    expect(screen.getByRole('combobox', { name: 'Role for Ravi Patel' })).toHaveValue('member');
    expect(screen.getByRole('button', { name: 'Deactivate Ravi Patel' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Reactivate Sophie Turner' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Reset password for Ravi Patel' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Edit Ravi Patel' })).toBeInTheDocument();
    // nobody deactivates themselves here
    expect(screen.queryByRole('button', { name: 'Deactivate Amelia Hart' })).toBeNull();
  });

  it('changes a role at once and puts it back with the reason when refused', async () => {
    serve(() =>
      json(409, {
        title: 'Conflict',
        status: 409,
        code: 'conflict',
        detail: "the organization's last active admin cannot be demoted or deactivated",
      }),
    );
    renderPage();
    const select = await screen.findByRole('combobox', { name: 'Role for Ravi Patel' });
    await userEvent.selectOptions(select, 'viewer');
    const toasts = screen.getByRole('status', { name: 'Notifications' });
    await within(toasts).findByText(/Ravi Patel's role could not be changed to Viewer/);
    await waitFor(() => expect(select).toHaveValue('member'));
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ role: 'viewer' });
  });

  it('asks before an admin gives up their own admin role, and renews the session after', async () => {
    serve((_url, init) => {
      const body = JSON.parse(String(init.body)) as { role: string };
      return json(200, { ...PEOPLE[0], role: body.role });
    });
    renderPage();
    const select = await screen.findByRole('combobox', { name: 'Role for Amelia Hart' });
    await userEvent.selectOptions(select, 'member');
    const ask = await screen.findByRole('alertdialog', { name: 'Change your own role to Member?' });
    expect(calls.some((c) => c.method === 'PATCH')).toBe(false);
    await userEvent.click(within(ask).getByRole('button', { name: 'Change my role to Member' }));
    await waitFor(() => expect(auth.reloadUser).toHaveBeenCalledTimes(1));
    expect(calls.find((c) => c.method === 'PATCH')?.url).toBe('/api/v1/users/me');
  });

  it('deactivates only after the confirmation, which says the sessions end at once', async () => {
    serve((_url, init) => json(200, { ...PEOPLE[1], ...(JSON.parse(String(init.body)) as object) }));
    renderPage();
    await userEvent.click(await screen.findByRole('button', { name: 'Deactivate Ravi Patel' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Deactivate Ravi Patel?' });
    expect(dialog).toHaveTextContent(/signed out at once/);
    expect(calls.some((c) => c.method === 'PATCH')).toBe(false);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Deactivate Ravi Patel' }));
    await waitFor(() => expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ active: false }));
    expect(auth.reloadUser).not.toHaveBeenCalled();
  });

  it('shows a reset link with its expiry and says that no email is sent', async () => {
    serve(() => json(201, { token: 'T'.repeat(43), expires_at: '2026-11-28T10:00:00Z' }));
    renderPage();
    await userEvent.click(await screen.findByRole('button', { name: 'Reset password for Ravi Patel' }));
    const dialog = await screen.findByRole('dialog', { name: 'Password reset link for Ravi Patel' });
    const link = await within(dialog).findByLabelText('Reset link');
    expect(link).toHaveValue(`${window.location.origin}/reset-password?token=${'T'.repeat(43)}`);
    expect(dialog).toHaveTextContent(/sends no email/);
    expect(dialog).toHaveTextContent(/It works once, until 28 Nov 2026/);
    expect(calls.find((c) => c.method === 'POST')?.url).toBe('/api/v1/users/u2/password-reset');
  });
});

describe('team logic', () => {
  it('checks a new person before sending', () => {
    expect(validateNewPerson({ email: '', password: '', first_name: '', last_name: '', role: 'member' })).toEqual({
      email: 'Enter an email address.',
      password: 'Enter an initial password.',
    });
    expect(
      validateNewPerson({ email: 'nia@acme', password: 'short', first_name: '', last_name: '', role: 'member' }).password,
    ).toMatch(/at least 12/);
    expect(
      validateNewPerson({ email: 'nia@acme.example', password: 'long enough password', first_name: 'Nia', last_name: '', role: 'viewer' }),
    ).toEqual({});
    expect(validateNewPerson({ email: 'no-at-sign', password: 'long enough password', first_name: '', last_name: '', role: 'member' }).email).toMatch(
      /such as/,
    );
  });

  it('says in words why the last admin keeps their role', () => {
    const err = new ApiError({ status: 409, code: 'conflict', title: 'Conflict', detail: 'x' });
    expect(changeFailureMessage(err, 'Amelia Hart', { role: 'member' })).toBe(
      "Amelia Hart's role could not be changed to Member: Amelia Hart is the organization's last active admin. Make someone else an admin first.",
    );
    expect(changeFailureMessage(err, 'Amelia Hart', { active: false })).toMatch(/^Amelia Hart could not be deactivated: /);
  });

  it('builds the reset link on this origin with the token encoded', () => {
    expect(resetUrl('a-b_c', 'https://maplat.example.com')).toBe('https://maplat.example.com/reset-password?token=a-b_c');
  });
});
