import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, render, screen, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { AuthProvider, useAuth } from './auth';
import { api } from './api';

const user = {
  id: 'u1',
  email: 'admin@acme.example',
  first_name: 'Ada',
  last_name: 'Admin',
  organization_id: 'o1',
  role: 'admin',
  master_admin: false,
};

function ok(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
}
function unauthorized(): Response {
  return new Response(JSON.stringify({ title: 'Unauthorized', status: 401, code: 'unauthorized', detail: 'invalid token' }), {
    status: 401,
    headers: { 'Content-Type': 'application/problem+json' },
  });
}

function Probe() {
  const { status, user: u, login, logout } = useAuth();
  return (
    <div>
      <p data-testid="status">{status}</p>
      <p data-testid="user">{u?.email ?? ''}</p>
      <button type="button" onClick={() => void login('admin@acme.example', 'pw')}>
        login
      </button>
      <button type="button" onClick={() => void logout()}>
        logout
      </button>
    </div>
  );
}

function renderAuth() {
  const qc = new QueryClient();
  return render(
    <QueryClientProvider client={qc}>
      <AuthProvider>
        <Probe />
      </AuthProvider>
    </QueryClientProvider>,
  );
}

describe('AuthProvider', () => {
  const fetchMock = vi.fn<typeof fetch>();
  beforeEach(() => vi.stubGlobal('fetch', fetchMock));
  afterEach(() => {
    fetchMock.mockReset();
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('restores a session after a reload through the refresh cookie', async () => {
    fetchMock.mockResolvedValueOnce(ok({ access_token: 'a1', token_type: 'Bearer', expires_in: 900, user }));
    renderAuth();
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('authenticated'));
    expect(screen.getByTestId('user')).toHaveTextContent('admin@acme.example');
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe('/api/v1/auth/refresh');
    expect(init!.method).toBe('POST');
    expect(init!.credentials).toBe('same-origin');
    expect((init!.headers as Record<string, string>).Authorization).toBeUndefined();
  });

  it('is anonymous when there is no session, and signs in with a cookie session', async () => {
    fetchMock.mockResolvedValueOnce(unauthorized()).mockResolvedValueOnce(unauthorized());
    renderAuth();
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('anonymous'));
    fetchMock.mockResolvedValueOnce(ok({ access_token: 'a2', token_type: 'Bearer', expires_in: 900, user }));
    await act(async () => screen.getByText('login').click());
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('authenticated'));
    const login = fetchMock.mock.calls.find(([u]) => u === '/api/v1/auth/login')!;
    expect(JSON.parse(login[1]!.body as string)).toEqual({ email: 'admin@acme.example', password: 'pw', session: 'cookie' });
    expect(window.localStorage.length).toBe(0);
    expect(window.sessionStorage.length).toBe(0);
  });

  it('shares one refresh between parallel 401s', async () => {
    fetchMock.mockResolvedValueOnce(ok({ access_token: 'a1', token_type: 'Bearer', expires_in: 900, user }));
    renderAuth();
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('authenticated'));
    fetchMock.mockReset();
    let refreshes = 0;
    fetchMock.mockImplementation(async (input, init) => {
      const url = String(input);
      if (url === '/api/v1/auth/refresh') {
        refreshes += 1;
        await new Promise((r) => setTimeout(r, 20));
        return ok({ access_token: 'a3', token_type: 'Bearer', expires_in: 900, user });
      }
      const auth = (init!.headers as Record<string, string>).Authorization;
      return auth === 'Bearer a3' ? ok({ ok: url }) : unauthorized();
    });
    const results = await Promise.all([api('/deals'), api('/tasks'), api('/documents')]);
    expect(results).toHaveLength(3);
    expect(refreshes).toBe(1);
  });

  it('signs out: logout is posted and the user is anonymous', async () => {
    fetchMock.mockResolvedValueOnce(ok({ access_token: 'a1', token_type: 'Bearer', expires_in: 900, user }));
    renderAuth();
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('authenticated'));
    fetchMock.mockResolvedValueOnce(new Response(null, { status: 204 }));
    await act(async () => screen.getByText('logout').click());
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('anonymous'));
    const logout = fetchMock.mock.calls.find(([u]) => u === '/api/v1/auth/logout')!;
    expect((logout[1]!.headers as Record<string, string>).Authorization).toBe('Bearer a1');
  });
});
