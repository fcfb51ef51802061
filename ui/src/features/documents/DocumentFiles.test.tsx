import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { FakeXhr } from '../../test/fakeXhr';
import type { DocumentItem, DocumentVersion, PermissionLevel } from '../../lib/types';

const apiMock = vi.fn();
vi.mock('../../lib/api', async (orig) => ({
  ...(await orig<typeof import('../../lib/api')>()),
  api: (path: string, opts?: unknown) => apiMock(path, opts),
}));

import { setAccessToken } from '../../lib/api';
import { ToastProvider } from '../../components/Toast';
import { DocumentFiles } from './DocumentFiles';
import { REVOKE_AFTER_MS } from './files';

const SHA1 = 'a'.repeat(64);
const SHA2 = '0123456789abcdef'.repeat(4);

const v1: DocumentVersion = {
  version: 1,
  size: 1536,
  sha256: SHA1,
  content_type: 'application/pdf',
  file_name: 'CIM draft.pdf',
  watermark: true,
  uploaded_by: { id: 'u1', name: 'Amelia Hart' },
  uploaded_at: '2026-01-02T10:00:00Z',
};
const v2: DocumentVersion = {
  ...v1,
  version: 2,
  size: 12.5 * 1024 * 1024,
  sha256: SHA2,
  file_name: 'CIM final.pdf',
  uploaded_by: { id: 'u2', name: 'Ravi Patel' },
  uploaded_at: '2026-01-03T10:00:00Z',
};

let versions: DocumentVersion[];

function doc(permission: PermissionLevel, latest: DocumentVersion | null = versions[0] ?? null): DocumentItem {
  return {
    id: 'doc-1',
    title: 'CIM',
    body: '',
    deal_id: null,
    archived: false,
    created_by: null,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    version: 1,
    permission,
    latest_version: latest,
  };
}

beforeEach(() => {
  versions = [v1, v2]; // the order the server sends does not matter: newest first on screen
  apiMock.mockReset();
  apiMock.mockImplementation(async (path: string) => {
    if (path === '/documents/doc-1/versions') return { items: versions };
    return { items: [], page: 1, page_size: 10, total: 0 };
  });
  FakeXhr.reset();
  vi.stubGlobal('XMLHttpRequest', FakeXhr);
  setAccessToken('token-in-memory');
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  setAccessToken(null);
});

function renderFiles(permission: PermissionLevel, latest?: DocumentVersion | null) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const wrap = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={qc}>
      <ToastProvider>{children}</ToastProvider>
    </QueryClientProvider>
  );
  return render(<DocumentFiles doc={doc(permission, latest === undefined ? v2 : latest)} />, { wrapper: wrap });
}

const pdf = (name = 'Model v3.pdf') => new File(['%PDF-1.4 hello'], name, { type: 'application/pdf' });

describe('DocumentFiles', () => {
  it('lists the versions newest first with size, type, uploader and a short SHA-256', async () => {
    renderFiles('editor');
    const table = await screen.findByRole('table');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell')[0]?.textContent)).toEqual(['2', '1']);
    expect(rows[0]).toHaveTextContent('CIM final.pdf');
    expect(rows[0]).toHaveTextContent('12.5 MB');
    expect(rows[0]).toHaveTextContent('PDF');
    expect(rows[0]).toHaveTextContent('Ravi Patel');
    expect(rows[1]).toHaveTextContent('1.5 KB');
    // short form shown, the full value in the disclosure
    expect(within(rows[0]!).getByText('0123456789ab…')).toBeInTheDocument();
    expect(within(rows[0]!).getByText(SHA2)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Download version 1' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Download latest' })).toBeEnabled();
    expect(screen.getByText(/Latest:/)).toHaveTextContent('Latest: version 2 — CIM final.pdf, 12.5 MB, PDF, uploaded by Ravi Patel');
    expect(screen.getByLabelText('Upload new version')).toHaveAttribute('type', 'file');
  });

  it('shows no upload control to a viewer, who can still download', async () => {
    renderFiles('viewer');
    await screen.findByRole('table');
    expect(screen.queryByLabelText(/Upload/)).toBeNull();
    expect(screen.queryByText(/drop a file/)).toBeNull();
    expect(screen.getByRole('button', { name: 'Download version 2' })).toBeEnabled();
  });

  it('says when there is no file yet', async () => {
    versions = [];
    renderFiles('owner', null);
    expect(await screen.findByText('No file yet')).toBeInTheDocument();
    expect(screen.getByLabelText('Upload a file')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Download latest' })).toBeNull();
  });

  it('uploads the raw file with the token, shows progress, then the new version', async () => {
    renderFiles('editor');
    await screen.findByRole('table');
    await userEvent.upload(screen.getByLabelText('Upload new version'), pdf('Model v3 (final).pdf'));
    const xhr = FakeXhr.last();
    expect(xhr.method).toBe('POST');
    expect(xhr.url).toBe('/api/v1/documents/doc-1/versions?filename=Model+v3+%28final%29.pdf');
    expect(xhr.headers.Authorization).toBe('Bearer token-in-memory');
    expect(xhr.headers['Content-Type']).toBe('application/octet-stream');
    expect(xhr.body).toBeInstanceOf(File);

    const bar = await screen.findByRole('progressbar', { name: 'Uploading Model v3 (final).pdf: progress' });
    expect(bar).toHaveAttribute('value', '0');
    act(() => xhr.progress(7, 14));
    await waitFor(() => expect(bar).toHaveAttribute('value', '50'));
    expect(screen.getByText('50 %')).toBeInTheDocument();
    expect(screen.getByText('7 bytes of 14 bytes')).toBeInTheDocument();
    // the input is disabled while a transfer runs
    expect(screen.getByLabelText('Upload new version')).toBeDisabled();
    act(() => xhr.progress(14, 14));
    expect(await screen.findByText(/checking and storing the file/)).toBeInTheDocument();

    const v3 = { ...v2, version: 3, file_name: 'Model v3 (final).pdf', size: 14 };
    versions = [v3, v2, v1];
    const callsBefore = apiMock.mock.calls.length;
    act(() => xhr.respond(201, v3));
    expect(await screen.findByText('Version 3 uploaded: Model v3 (final).pdf (14 bytes).')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole('progressbar')).toBeNull());
    // the version list is loaded again
    await waitFor(() => expect(apiMock.mock.calls.length).toBeGreaterThan(callsBefore));
    expect(await screen.findByRole('button', { name: 'Download version 3' })).toBeInTheDocument();
    expect(screen.getByLabelText('Upload new version')).toBeEnabled();
  });

  it('uploads a file dropped on the drop zone', async () => {
    renderFiles('editor');
    await screen.findByRole('table');
    const zone = screen.getByText('or drop a file here');
    const file = pdf('Dropped.pdf');
    const dataTransfer = { files: [file], types: ['Files'], dropEffect: 'none' };
    fireEvent.dragOver(zone, { dataTransfer });
    expect(zone.closest('.drop-zone')).toHaveClass('drop-zone-active');
    fireEvent.drop(zone, { dataTransfer });
    expect(zone.closest('.drop-zone')).not.toHaveClass('drop-zone-active');
    await waitFor(() => expect(FakeXhr.instances).toHaveLength(1));
    const xhr = FakeXhr.last();
    expect(xhr.url).toBe('/api/v1/documents/doc-1/versions?filename=Dropped.pdf');
    expect(xhr.body).toBe(file);
    expect(await screen.findByRole('progressbar', { name: 'Uploading Dropped.pdf: progress' })).toBeInTheDocument();
  });

  it('cancels an upload with xhr.abort() and says nothing was stored', async () => {
    renderFiles('editor');
    await screen.findByRole('table');
    await userEvent.upload(screen.getByLabelText('Upload new version'), pdf());
    const xhr = FakeXhr.last();
    act(() => xhr.progress(3, 14));
    await userEvent.click(await screen.findByRole('button', { name: 'Cancel upload' }));
    expect(xhr.aborted).toBe(true);
    expect(await screen.findByText('The upload of Model v3.pdf was canceled; nothing was stored.')).toBeInTheDocument();
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it.each([
    [413, 'payload_too_large', 'the file is larger than the 100 MB limit'],
    [415, 'unsupported_media_type', 'files of type application/x-msdownload are not accepted'],
    [507, 'insufficient_storage', 'your organization has used its storage quota'],
    [403, 'forbidden', 'you need editor access to upload'],
  ])('shows the server’s words for a %i', async (status, code, detail) => {
    renderFiles('editor');
    await screen.findByRole('table');
    await userEvent.upload(screen.getByLabelText('Upload new version'), pdf('setup.exe'));
    act(() => FakeXhr.last().respond(status, { type: 'about:blank', title: 'Refused', status, code, detail }));
    const alert = await screen.findByRole('alert');
    const sentence = detail.charAt(0).toUpperCase() + detail.slice(1) + '.';
    expect(alert).toHaveTextContent(`setup.exe was not uploaded. ${sentence}`);
    expect(screen.queryByRole('progressbar')).toBeNull();
    await userEvent.click(within(alert).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('names the fields of a 422', async () => {
    renderFiles('editor');
    await screen.findByRole('table');
    await userEvent.upload(screen.getByLabelText('Upload new version'), pdf());
    act(() =>
      FakeXhr.last().respond(422, {
        title: 'Unprocessable Entity',
        status: 422,
        code: 'validation_failed',
        detail: 'the request is not valid',
        errors: [{ field: 'filename', message: 'must name a file (at most 4096 bytes)' }],
      }),
    );
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Model v3.pdf was not uploaded. The request is not valid: filename must name a file (at most 4096 bytes).',
    );
  });

  it('says when the server could not be reached', async () => {
    renderFiles('editor');
    await screen.findByRole('table');
    await userEvent.upload(screen.getByLabelText('Upload new version'), pdf());
    act(() => FakeXhr.last().fail());
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Model v3.pdf was not uploaded. Maplat could not be reached; check your connection and try again.',
    );
  });

  it('downloads a version with the token, with progress, and saves it under its name', async () => {
    const chunks = [new Uint8Array(600), new Uint8Array(400)];
    let pull: (() => void) | null = null;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = chunks.shift();
        if (!next) {
          controller.close();
          return;
        }
        // the second chunk waits for the test
        if (chunks.length === 0) await new Promise<void>((r) => (pull = r));
        controller.enqueue(next);
      },
    });
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) =>
      new Response(body, {
        status: 200,
        headers: {
          'Content-Type': 'application/pdf',
          'Content-Length': '1000',
          'Content-Disposition': `attachment; filename="CIM draft.pdf"; filename*=UTF-8''CIM%20draft%20%E2%80%93%20v1.pdf`,
        },
      }),
    );
    vi.stubGlobal('fetch', fetchMock);
    const created: Blob[] = [];
    const createObjectURL = vi.fn((b: Blob) => {
      created.push(b);
      return 'blob:maplat/1';
    });
    const revokeObjectURL = vi.fn();
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL, revokeObjectURL }));
    const clicked: HTMLAnchorElement[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this);
    });
    const timeouts = vi.spyOn(globalThis, 'setTimeout');

    renderFiles('viewer');
    await screen.findByRole('table');
    await userEvent.click(screen.getByRole('button', { name: 'Download version 1' }));
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe('/api/v1/documents/doc-1/versions/1/file');
    expect((init?.headers as Record<string, string>).Authorization).toBe('Bearer token-in-memory');

    const bar = await screen.findByRole('progressbar', { name: 'Downloading version 1: progress' });
    await waitFor(() => expect(bar).toHaveAttribute('value', '60'));
    expect(screen.getByText('600 bytes of 1,000 bytes')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Download version 2' })).toBeDisabled();
    await waitFor(() => expect(pull).not.toBeNull());
    act(() => pull!());

    expect(await screen.findByText('Downloaded CIM draft – v1.pdf (1,000 bytes).')).toBeInTheDocument();
    expect(created[0]?.size).toBe(1000);
    expect(created[0]?.type).toBe('application/pdf');
    expect(clicked).toHaveLength(1);
    expect(clicked[0]?.download).toBe('CIM draft – v1.pdf');
    expect(clicked[0]?.getAttribute('href')).toBe('blob:maplat/1');
    expect(clicked[0]?.isConnected).toBe(false);
    // the object URL is revoked afterwards
    const revoke = timeouts.mock.calls.find((c) => c[1] === REVOKE_AFTER_MS);
    expect(revoke).toBeDefined();
    (revoke![0] as () => void)();
    expect(revokeObjectURL).toHaveBeenCalledWith('blob:maplat/1');
    expect(screen.queryByRole('progressbar')).toBeNull();
  });

  it('shows the server’s words when a download is refused', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        new Response(JSON.stringify({ title: 'Not Found', status: 404, code: 'not_found', detail: 'no such version' }), {
          status: 404,
          headers: { 'Content-Type': 'application/problem+json' },
        }),
      ),
    );
    renderFiles('viewer');
    await screen.findByRole('table');
    await userEvent.click(screen.getByRole('button', { name: 'Download latest' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The latest version could not be downloaded. No such version.');
  });
});
