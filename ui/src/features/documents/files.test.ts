import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeXhr } from '../../test/fakeXhr';
import { ApiError, setAccessToken, setAuthHandlers } from '../../lib/api';
import { fileNameFromDisposition, percentOf, uploadVersion } from './files';
import { describeEntry } from './DocumentTimeline';
import type { AuditEntry } from '../../lib/types';

describe('fileNameFromDisposition', () => {
  it('prefers the UTF-8 name, falls back to the quoted one, and keeps no path', () => {
    expect(fileNameFromDisposition(`attachment; filename="a.pdf"; filename*=UTF-8''%C3%A9t%C3%A9%20plan.pdf`)).toBe('été plan.pdf');
    expect(fileNameFromDisposition('attachment; filename="say \\"hi\\".txt"')).toBe('say "hi".txt');
    expect(fileNameFromDisposition('attachment; filename=plain.csv')).toBe('plain.csv');
    expect(fileNameFromDisposition('attachment; filename="../../etc/passwd"')).toBe('passwd');
    expect(fileNameFromDisposition(`attachment; filename*=UTF-8''..%2F..%2Fx.pdf`)).toBe('x.pdf');
    expect(fileNameFromDisposition(`attachment; filename*=UTF-8''%E0%A4%A; filename="ok.pdf"`)).toBe('ok.pdf');
    expect(fileNameFromDisposition('attachment')).toBeNull();
    expect(fileNameFromDisposition(null)).toBeNull();
  });
});

describe('percentOf', () => {
  it('rounds down, caps at 100 and knows an unknown total', () => {
    expect(percentOf({ loaded: 1, total: 3 })).toBe(33);
    expect(percentOf({ loaded: 5, total: 4 })).toBe(100);
    expect(percentOf({ loaded: 0, total: 0 })).toBe(100);
    expect(percentOf({ loaded: 10, total: null })).toBeNull();
  });
});

describe('uploadVersion', () => {
  beforeEach(() => {
    FakeXhr.reset();
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    setAccessToken(null);
  });

  it('refreshes a refused token once and sends the file again', async () => {
    setAccessToken('old');
    setAuthHandlers({
      refresh: async () => {
        setAccessToken('new');
        return true;
      },
      unauthorized: () => {},
    });
    const p = uploadVersion('d1', new Blob(['x']), 'x.txt');
    FakeXhr.last().respond(401, { title: 'Unauthorized', status: 401, code: 'unauthorized' }, { 'WWW-Authenticate': 'Bearer realm="maplat", error="invalid_token"' });
    await vi.waitFor(() => expect(FakeXhr.instances).toHaveLength(2));
    expect(FakeXhr.last().headers.Authorization).toBe('Bearer new');
    FakeXhr.last().respond(201, { version: 1 });
    await expect(p).resolves.toEqual({ version: 1 });
  });

  it('signs out when the refresh fails, and rejects with the problem', async () => {
    setAccessToken('old');
    const unauthorized = vi.fn();
    setAuthHandlers({ refresh: async () => false, unauthorized });
    const p = uploadVersion('d1', new Blob(['x']), 'x.txt');
    FakeXhr.last().respond(401, { title: 'Unauthorized', status: 401, code: 'unauthorized', detail: 'the session has ended' }, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
    await expect(p).rejects.toBeInstanceOf(ApiError);
    expect(unauthorized).toHaveBeenCalledTimes(1);
    expect(FakeXhr.instances).toHaveLength(1);
  });

  it('does not start when already aborted', async () => {
    const c = new AbortController();
    c.abort();
    await expect(uploadVersion('d1', new Blob(['x']), 'x.txt', { signal: c.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(FakeXhr.instances).toHaveLength(0);
  });
});

const entry = (action: string, details: Record<string, unknown>): AuditEntry => ({
  id: 'e',
  action,
  resource_type: 'document',
  resource_id: 'd',
  user: null,
  occurred_at: '2026-01-01T00:00:00Z',
  details,
  source: 'server',
});

describe('the timeline’s words for files', () => {
  it('reads uploads and downloads with their version', () => {
    expect(describeEntry(entry('document.version.create', { version: 2, file_name: 'CIM.pdf', size: 10 }))).toBe('uploaded version 2 (CIM.pdf)');
    expect(describeEntry(entry('document.download', { version: 2, watermarked: true }))).toBe('downloaded version 2 (watermarked)');
    expect(describeEntry(entry('document.download', { version: 1, watermarked: false }))).toBe('downloaded version 1');
    expect(describeEntry(entry('document.download', {}))).toBe('downloaded the file');
    expect(describeEntry(entry('document.update', { fields: ['title'] }))).toBe('updated the document');
  });
});
