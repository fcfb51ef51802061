import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ApiError } from '../../lib/api';
import { ToastProvider } from '../../components/Toast';

const A = 'aaaaaaaa-0000-4000-8000-000000000001';
const B = 'bbbbbbbb-0000-4000-8000-000000000002';
const ME = { id: A, email: 'admin@acme.example', first_name: 'Amelia', last_name: 'Hart', organization_id: 'o', role: 'admin' as const, master_admin: false };
const RAVI = { ...ME, id: B, email: 'analyst@acme.example', first_name: 'Ravi', last_name: 'Patel', role: 'member' as const };

const apiMock = vi.fn();
vi.mock('../../lib/api', async (orig) => ({
  ...(await orig<typeof import('../../lib/api')>()),
  api: (path: string, opts?: unknown) => apiMock(path, opts),
}));
vi.mock('../../lib/auth', () => ({ useUser: () => ME }));

import { PermissionsDialog } from './PermissionsDialog';

let grants: { user_id: string; level: string; user?: { id: string; name: string } }[];
let patchAnswer: (body: { permissions: { user_id: string; level: string }[] }) => unknown;

beforeEach(() => {
  grants = [{ user_id: A, level: 'owner', user: { id: A, name: 'Amelia Hart' } }];
  patchAnswer = (body) => {
    for (const p of body.permissions) {
      grants = grants.filter((g) => g.user_id !== p.user_id);
      if (p.level !== 'none') grants.push({ user_id: p.user_id, level: p.level });
    }
    return { permissions: grants };
  };
  apiMock.mockReset();
  type Body = { permissions: { user_id: string; level: string }[] };
  apiMock.mockImplementation(async (path: string, opts?: { method?: string; body?: Body }) => {
    if (path === '/users') return { items: [ME, RAVI], page: 1, page_size: 100, total: 2 };
    if (path.endsWith('/permissions') && opts?.method === 'PATCH' && opts.body) return patchAnswer(opts.body);
    if (path.endsWith('/permissions')) return { permissions: grants };
    throw new Error(`unexpected ${path}`);
  });
});

function renderDialog() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const wrap = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={qc}>
      <ToastProvider>{children}</ToastProvider>
    </QueryClientProvider>
  );
  return render(<PermissionsDialog documentId="doc-1" documentTitle="Memo" open onOpenChange={() => {}} />, { wrapper: wrap });
}

const patches = () => apiMock.mock.calls.filter((c) => c[1]?.method === 'PATCH').map((c) => c[1].body);

describe('PermissionsDialog', () => {
  it('adds a user, changes a level and saves only what changed', async () => {
    renderDialog();
    const dialog = await screen.findByRole('dialog', { name: 'Permissions' });
    expect(await within(dialog).findByLabelText('Access for Amelia Hart')).toHaveValue('owner');
    await userEvent.selectOptions(within(dialog).getByLabelText('User'), B);
    await userEvent.selectOptions(within(dialog).getByLabelText('Level'), 'viewer');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Add' }));
    await userEvent.selectOptions(within(dialog).getByLabelText('Access for Ravi Patel'), 'editor');
    expect(within(dialog).getByText('1 unsaved change')).toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Permissions saved.')).toBeInTheDocument();
    expect(patches()).toEqual([{ permissions: [{ user_id: B, level: 'editor' }] }]);
    expect(within(dialog).getByRole('button', { name: 'Save changes' })).toBeDisabled();
  });

  it('shows the server’s 409 for the last owner in the dialog, and keeps the edit', async () => {
    patchAnswer = () => {
      throw new ApiError({ status: 409, code: 'conflict', title: 'Conflict', detail: 'a document must keep at least one owner' });
    };
    renderDialog();
    const dialog = await screen.findByRole('dialog', { name: 'Permissions' });
    await userEvent.click(await within(dialog).findByRole('button', { name: 'Remove Amelia Hart' }));
    expect(within(dialog).queryByLabelText('Access for Amelia Hart')).toBeNull();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save changes' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'A document must keep at least one owner. Make someone else an owner',
    );
    expect(patches()).toEqual([{ permissions: [{ user_id: A, level: 'none' }] }]);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Undo changes' }));
    expect(within(dialog).getByLabelText('Access for Amelia Hart')).toHaveValue('owner');
  });
});
