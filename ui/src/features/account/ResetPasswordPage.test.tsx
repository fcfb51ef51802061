import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { RouterProvider, createMemoryRouter } from 'react-router-dom';
import { ApiError } from '../../lib/api';
import { passwordChangeErrors } from './AccountPage';
import ResetPasswordPage from './ResetPasswordPage';

const TOKEN = 'A'.repeat(43);
let calls: { url: string; body: unknown }[] = [];

function serve(status: number, body?: unknown) {
  calls = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      calls.push({ url, body: JSON.parse(String(init.body)) });
      return new Response(body === undefined ? null : JSON.stringify(body), {
        status,
        headers: { 'Content-Type': 'application/problem+json' },
      });
    }),
  );
}

function renderAt(search: string) {
  // the page reads the token from the real address bar, once
  window.history.replaceState(null, '', `/reset-password${search}`);
  const router = createMemoryRouter([{ path: '/reset-password', element: <ResetPasswordPage /> }, { path: '/login', element: <p>login</p> }], {
    initialEntries: [`/reset-password${search}`],
  });
  render(<RouterProvider router={router} future={{ v7_startTransition: true }} />);
  return router;
}

afterEach(() => {
  vi.unstubAllGlobals();
  window.history.replaceState(null, '', '/');
});

async function fill(pw: string, confirm = pw) {
  await userEvent.type(screen.getByLabelText('New password'), pw);
  await userEvent.type(screen.getByLabelText('Confirm new password'), confirm);
  await userEvent.click(screen.getByRole('button', { name: 'Set password' }));
}

describe('ResetPasswordPage', () => {
  it('takes the token out of the address and sends it with the new password', async () => {
    serve(204);
    const router = renderAt(`?token=${TOKEN}`);
    await waitFor(() => expect(router.state.location.search).toBe(''));
    await fill('a brand new password');
    await screen.findByRole('heading', { name: 'Password set' });
    expect(calls).toEqual([{ url: '/api/v1/auth/password-reset', body: { token: TOKEN, new_password: 'a brand new password' } }]);
    expect(screen.getByRole('link', { name: 'Sign in' })).toHaveAttribute('href', '/login');
  });

  it('checks the rules before sending', async () => {
    serve(204);
    renderAt(`?token=${TOKEN}`);
    await fill('too short', 'too shorT');
    expect(await screen.findByText(/at least 12 characters/)).toBeInTheDocument();
    expect(screen.getByText('The two passwords do not match.')).toBeInTheDocument();
    expect(calls).toEqual([]);
  });

  it('says a used or expired link is no longer valid and whom to ask', async () => {
    serve(401, { title: 'Unauthorized', status: 401, code: 'unauthorized', detail: 'the reset token is invalid, used or expired' });
    renderAt(`?token=${TOKEN}`);
    await fill('a brand new password');
    expect(await screen.findByRole('alert')).toHaveTextContent(/no longer valid.*Ask an admin of your organization for a new one/);
  });

  it('explains a link without a token', async () => {
    renderAt('');
    expect(await screen.findByRole('heading', { name: 'This link cannot be used' })).toBeInTheDocument();
  });
});

describe('password change errors', () => {
  it('puts a wrong current password at its field and a rate limit in the form', () => {
    const wrong = new ApiError({ status: 401, code: 'unauthorized', title: 'Unauthorized', detail: 'the current password is wrong' });
    expect(passwordChangeErrors(wrong).fields.current).toMatch(/current password is wrong/);
    const limited = new ApiError({ status: 429, code: 'rate_limited', title: 'Too Many Requests', retryAfter: 120 });
    expect(passwordChangeErrors(limited).form).toMatch(/Try again in 120 s\./);
    const invalid = new ApiError({
      status: 422,
      code: 'validation_failed',
      title: 'Unprocessable',
      errors: [{ field: 'new_password', message: 'must be at least 12 characters' }],
    });
    expect(passwordChangeErrors(invalid).fields.password).toBe('Must be at least 12 characters.');
  });
});
